"""Give every reply a uuid.

Revision ID: b4d6f8a0c2e5
Revises: eb04ad979b8e
Create Date: 2024-04-02 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "b4d6f8a0c2e5"
down_revision: Union[str, None] = 'eb04ad979b8e'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


import uuid


def upgrade() -> None:
    conn = op.get_bind()
    with op.batch_alter_table("replies") as batch_op:
        batch_op.add_column(sa.Column("uuid", sa.String(length=36), nullable=True))
    replies = conn.execute(sa.text("SELECT id FROM replies")).fetchall()
    for reply in replies:
        conn.execute(
            sa.text("UPDATE replies SET uuid = :reply_uuid WHERE id = :id").bindparams(
                reply_uuid=str(uuid.uuid4()), id=reply.id
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("replies") as batch_op:
        batch_op.drop_column("uuid")
