"""Batch cleanup of products.

Revision ID: ea7db4ff71a6
Revises: b4e3bf1f6d6f
Create Date: 2024-03-19 09:18:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "ea7db4ff71a6"
down_revision: Union[str, None] = 'b4e3bf1f6d6f'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.alter_column("price", existing_type=sa.NUMERIC(precision=10, scale=2), nullable=False)
        batch_op.drop_column("old_price")


def downgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("old_price", sa.NUMERIC(precision=10, scale=2), nullable=True))
        batch_op.alter_column("price", existing_type=sa.NUMERIC(precision=10, scale=2), nullable=True)
