"""New order status.

Revision ID: 592e48c98e12
Revises: ced096e19d95
Create Date: 2024-03-28 09:27:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "592e48c98e12"
down_revision: Union[str, None] = 'ced096e19d95'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded'")


def downgrade() -> None:
    raise NotImplementedError("irreversible: PostgreSQL cannot drop an enum value")
