"""Customers -> accounts.

Revision ID: 566dc9ede58e
Revises: 6a28d783ab94
Create Date: 2024-03-23 09:22:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "566dc9ede58e"
down_revision: Union[str, None] = '6a28d783ab94'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.rename_table("customers", "clients")


def downgrade() -> None:
    op.rename_table("clients", "customers")
