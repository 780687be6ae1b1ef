"""Flag paid invoices.

Revision ID: 57eb98e4323e
Revises: 43e9d185db74
Create Date: 2024-03-26 09:25:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "57eb98e4323e"
down_revision: Union[str, None] = '43e9d185db74'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


invoices = sa.table("invoices", sa.column("paid", sa.Boolean()), sa.column("paid_at", sa.DateTime()))


def upgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.add_column("invoices", sa.Column("paid", sa.Boolean(), nullable=True))
    op.execute(invoices.update().where(invoices.c.paid_at.isnot(None)).values(paid=True))


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.drop_column("invoices", "paid")
