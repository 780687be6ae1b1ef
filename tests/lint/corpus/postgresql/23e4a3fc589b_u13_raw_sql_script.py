"""Notes on orders, in sql.

Revision ID: 23e4a3fc589b
Revises: 98009e781eb6
Create Date: 2024-03-13 09:12:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "23e4a3fc589b"
down_revision: Union[str, None] = '98009e781eb6'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE orders ADD COLUMN note text;
        CREATE INDEX ix_orders_note ON orders (note);
        UPDATE orders SET note = '' WHERE note IS NULL;
        """
    )


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.execute("DROP INDEX IF EXISTS ix_orders_note")
    op.execute("ALTER TABLE orders DROP COLUMN note")
