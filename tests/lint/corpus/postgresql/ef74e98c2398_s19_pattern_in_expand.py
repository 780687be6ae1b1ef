"""Rename accounts.name, phased.

Revision ID: ef74e98c2398
Revises: 1d84869917e8
Create Date: 2024-03-17 09:44:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "ef74e98c2398"
down_revision: Union[str, None] = '1d84869917e8'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def expand() -> None:
    op.safe_rename_column("accounts", "name", "display_name")


def undo_expand() -> None:
    pass
