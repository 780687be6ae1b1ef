"""Check invoices.amount >= 0.

Revision ID: edaf5391c3a5
Revises: 1fda846595e4
Create Date: 2024-03-08 09:07:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "edaf5391c3a5"
down_revision: Union[str, None] = '1fda846595e4'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_check_constraint("ck_invoices_amount_positive", "invoices", sa.text("amount >= 0"))


def downgrade() -> None:
    op.drop_constraint("ck_invoices_amount_positive", "invoices", type_="check")
