"""Phased: drop too early.

Revision ID: 0b7abedbb78e
Revises: 23e4a3fc589b
Create Date: 2024-03-14 09:13:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "0b7abedbb78e"
down_revision: Union[str, None] = '23e4a3fc589b'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def expand() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.drop_column("teams", "legacy_owner")


def undo_expand() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.add_column("teams", sa.Column("legacy_owner", sa.Integer(), nullable=True))
