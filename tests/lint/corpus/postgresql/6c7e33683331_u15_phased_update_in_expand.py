"""Phased: backfill in expand.

Revision ID: 6c7e33683331
Revises: 0b7abedbb78e
Create Date: 2024-03-15 09:14:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "6c7e33683331"
down_revision: Union[str, None] = '0b7abedbb78e'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def expand() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.add_column("comments", sa.Column("visibility", sa.Text(), nullable=True))
    op.execute("UPDATE comments SET visibility = 'public' WHERE visibility IS NULL")


def undo_expand() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.drop_column("comments", "visibility")
