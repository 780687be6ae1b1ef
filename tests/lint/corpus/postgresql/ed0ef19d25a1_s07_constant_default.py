"""Accounts.active with a constant default.

Revision ID: ed0ef19d25a1
Revises: 4d2d65d039e0
Create Date: 2024-03-07 09:34:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "ed0ef19d25a1"
down_revision: Union[str, None] = '4d2d65d039e0'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.add_column("accounts", sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column("accounts", sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now()))


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.drop_column("accounts", "created_at")
    op.drop_column("accounts", "active")
