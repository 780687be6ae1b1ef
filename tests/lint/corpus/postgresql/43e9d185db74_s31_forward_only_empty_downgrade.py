"""Add users.timezone, no way back.

Revision ID: 43e9d185db74
Revises: 25e68f609a98
Create Date: 2024-03-25 09:24:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "43e9d185db74"
down_revision: Union[str, None] = '25e68f609a98'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.add_column("users", sa.Column("timezone", sa.Text(), nullable=True))


def downgrade() -> None:
    pass
