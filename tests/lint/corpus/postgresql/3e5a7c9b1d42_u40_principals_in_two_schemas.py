"""Index the role column of events.principals and categories.principals.

Revision ID: 3e5a7c9b1d42
Revises: 9c1e0a7b3d25
Create Date: 2024-04-02 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "3e5a7c9b1d42"
down_revision: Union[str, None] = '9c1e0a7b3d25'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.add_column("principals", sa.Column("role_id", sa.Integer(), nullable=True), schema="events")
    op.create_index(None, "principals", ["role_id"], schema="events")
    op.create_index(None, "principals", ["role_id"], schema="categories")


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.drop_index(op.f("ix_principals_role_id"), table_name="principals", schema="categories")
    op.drop_index(op.f("ix_principals_role_id"), table_name="principals", schema="events")
    op.drop_column("principals", "role_id", schema="events")
