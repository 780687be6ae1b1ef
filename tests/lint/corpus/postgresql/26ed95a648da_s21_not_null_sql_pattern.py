"""Invoices.number not null, by hand in sql.

Revision ID: 26ed95a648da
Revises: ac6bcea0c8de
Create Date: 2024-03-19 09:46:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "26ed95a648da"
down_revision: Union[str, None] = 'ac6bcea0c8de'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.execute("ALTER TABLE invoices ADD CONSTRAINT ck_invoices_number_nn CHECK (number IS NOT NULL) NOT VALID")
    with op.get_context().autocommit_block():
        op.execute("ALTER TABLE invoices VALIDATE CONSTRAINT ck_invoices_number_nn")
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.execute("ALTER TABLE invoices ALTER COLUMN number SET NOT NULL")
    op.execute("ALTER TABLE invoices DROP CONSTRAINT ck_invoices_number_nn")


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.execute("ALTER TABLE invoices ALTER COLUMN number DROP NOT NULL")
