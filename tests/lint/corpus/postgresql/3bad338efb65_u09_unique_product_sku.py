"""Unique products.sku.

Revision ID: 3bad338efb65
Revises: edaf5391c3a5
Create Date: 2024-03-09 09:08:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "3bad338efb65"
down_revision: Union[str, None] = 'edaf5391c3a5'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_unique_constraint("uq_products_sku", "products", ["sku"])


def downgrade() -> None:
    op.drop_constraint("uq_products_sku", "products", type_="unique")
