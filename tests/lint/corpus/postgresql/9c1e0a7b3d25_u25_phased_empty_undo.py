"""Phased: users.timezone, but undo_expand() forgets it.

Revision ID: 9c1e0a7b3d25
Revises: 43e9d185db74
Create Date: 2024-03-25 10:02:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "9c1e0a7b3d25"
down_revision: Union[str, None] = '43e9d185db74'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def expand() -> None:
    op.add_column("users", sa.Column("locale", sa.Text(), nullable=True))


def undo_expand() -> None:
    pass
