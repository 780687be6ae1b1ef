"""Alias of op.

Revision ID: 25e68f609a98
Revises: 566dc9ede58e
Create Date: 2024-03-24 09:23:00.000000

"""
from typing import Sequence, Union

from alembic import op as alembic_op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "25e68f609a98"
down_revision: Union[str, None] = '566dc9ede58e'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    alembic_op.create_index("ix_invoices_due_at", "invoices", ["due_at"])


def downgrade() -> None:
    with alembic_op.get_context().autocommit_block():
        alembic_op.drop_index("ix_invoices_due_at", table_name="invoices", postgresql_concurrently=True, if_exists=True)
