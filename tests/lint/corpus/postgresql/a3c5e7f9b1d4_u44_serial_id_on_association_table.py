"""Give certificate_notifications an id column.

Revision ID: a3c5e7f9b1d4
Revises: 9b1d4f6a8c23
Create Date: 2024-04-02 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "a3c5e7f9b1d4"
down_revision: Union[str, None] = '9b1d4f6a8c23'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


TABLE = "certificate_notifications"


def upgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.add_column(TABLE, sa.Column("id", sa.Integer, primary_key=True, autoincrement=True))


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.drop_column(TABLE, "id")
