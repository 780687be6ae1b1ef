"""Rename an order status.

Revision ID: 0008edd51d7a
Revises: bb4a2c5dbe86
Create Date: 2024-03-17 09:16:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "0008edd51d7a"
down_revision: Union[str, None] = 'bb4a2c5dbe86'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute("ALTER TYPE order_status RENAME VALUE 'shipped' TO 'dispatched'")


def downgrade() -> None:
    op.execute("ALTER TYPE order_status RENAME VALUE 'dispatched' TO 'shipped'")
