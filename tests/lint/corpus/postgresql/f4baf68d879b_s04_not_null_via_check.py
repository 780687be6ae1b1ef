"""Orders.currency not null the pg12 way.

Revision ID: f4baf68d879b
Revises: 500d42a45484
Create Date: 2024-03-04 09:31:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "f4baf68d879b"
down_revision: Union[str, None] = '500d42a45484'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def expand() -> None:
    op.add_check_constraint_safe("ck_orders_currency_nn", "orders", "currency IS NOT NULL")


def undo_expand() -> None:
    pass


def contract() -> None:
    op.execute("SET LOCAL lock_timeout = '500ms'")
    op.alter_column("orders", "currency", existing_type=sa.CHAR(3), nullable=False)
    op.drop_constraint("ck_orders_currency_nn", "orders", type_="check")


def undo_contract() -> None:
    op.execute("SET LOCAL lock_timeout = '500ms'")
    op.alter_column("orders", "currency", existing_type=sa.CHAR(3), nullable=True)
