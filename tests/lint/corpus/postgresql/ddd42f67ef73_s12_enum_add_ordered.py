"""Refunded after paid.

Revision ID: ddd42f67ef73
Revises: 412de677bb7c
Create Date: 2024-03-12 09:39:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "ddd42f67ef73"
down_revision: Union[str, None] = '412de677bb7c'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded' AFTER 'paid'")


def downgrade() -> None:
    raise NotImplementedError("irreversible: PostgreSQL cannot drop an enum value")
