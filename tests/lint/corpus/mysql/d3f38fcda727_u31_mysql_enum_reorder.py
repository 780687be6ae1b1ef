"""Mysql order status reorder.

Revision ID: d3f38fcda727
Revises: 478a40618fff
Create Date: 2024-03-02 09:01:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "d3f38fcda727"
down_revision: Union[str, None] = '478a40618fff'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.alter_column(
        "orders",
        "status",
        existing_type=sa.Enum("new", "shipped", "paid", name="order_status"),
        type_=sa.Enum("new", "paid", "shipped", name="order_status"),
        existing_nullable=False,
    )


def downgrade() -> None:
    op.alter_column(
        "orders",
        "status",
        existing_type=sa.Enum("new", "paid", "shipped", name="order_status"),
        type_=sa.Enum("new", "shipped", "paid", name="order_status"),
        existing_nullable=False,
    )
