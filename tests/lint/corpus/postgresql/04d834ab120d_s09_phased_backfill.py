"""Orders.channel, phased.

Revision ID: 04d834ab120d
Revises: 6c4d18dc6070
Create Date: 2024-03-09 09:36:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "04d834ab120d"
down_revision: Union[str, None] = '6c4d18dc6070'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def expand() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.add_column("orders", sa.Column("channel", sa.Text(), nullable=True))


def undo_expand() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.drop_column("orders", "channel")


def migrate() -> None:
    op.backfill("orders", set={"channel": "'web'"}, where="channel IS NULL", batch_size=5000)
    op.execute("UPDATE orders SET channel = 'api' WHERE api_key_id IS NOT NULL AND channel = 'web'")


def undo_migrate() -> None:
    pass


def contract() -> None:
    op.set_not_null_safe("orders", "channel")


def undo_contract() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.alter_column("orders", "channel", existing_type=sa.Text(), nullable=True)
