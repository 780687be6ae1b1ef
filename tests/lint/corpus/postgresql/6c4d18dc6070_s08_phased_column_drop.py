"""Drop users.fax by hand, phased.

Revision ID: 6c4d18dc6070
Revises: ed0ef19d25a1
Create Date: 2024-03-08 09:35:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "6c4d18dc6070"
down_revision: Union[str, None] = 'ed0ef19d25a1'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def expand() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.alter_column("users", "fax", existing_type=sa.Text(), nullable=True)


def undo_expand() -> None:
    op.set_not_null_safe("users", "fax")


def contract() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.drop_column("users", "fax")


def undo_contract() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.add_column("users", sa.Column("fax", sa.Text(), nullable=True))
