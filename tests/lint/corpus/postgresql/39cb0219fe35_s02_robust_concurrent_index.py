"""Concurrent index, robust.

Revision ID: 39cb0219fe35
Revises: 5b274543fc0f
Create Date: 2024-03-02 09:29:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "39cb0219fe35"
down_revision: Union[str, None] = '5b274543fc0f'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_orders_created_at")
        op.execute("CREATE INDEX CONCURRENTLY ix_orders_created_at ON orders (created_at)")


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_orders_created_at")
