"""Rename with the pattern op, unphased.

Revision ID: bb4a2c5dbe86
Revises: 6c7e33683331
Create Date: 2024-03-16 09:15:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "bb4a2c5dbe86"
down_revision: Union[str, None] = '6c7e33683331'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.safe_rename_column("accounts", "name", "display_name")


def downgrade() -> None:
    op.safe_rename_column("accounts", "display_name", "name")
