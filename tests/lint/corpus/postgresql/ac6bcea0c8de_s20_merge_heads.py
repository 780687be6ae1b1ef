"""Merge heads.

Revision ID: ac6bcea0c8de
Revises: aaaaaaaaaaaa, bbbbbbbbbbbb
Create Date: 2024-03-18 09:45:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "ac6bcea0c8de"
down_revision: Union[str, None] = ('aaaaaaaaaaaa', 'bbbbbbbbbbbb')
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
