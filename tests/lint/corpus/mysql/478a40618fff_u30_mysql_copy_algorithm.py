"""Mysql add column with copy.

Revision ID: 478a40618fff
Revises: 
Create Date: 2024-03-01 09:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "478a40618fff"
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute("SET SESSION lock_wait_timeout = 5")
    op.execute("ALTER TABLE users ADD COLUMN nickname VARCHAR(50) NULL, ALGORITHM=COPY, LOCK=SHARED")


def downgrade() -> None:
    op.execute("SET SESSION lock_wait_timeout = 5")
    op.drop_column("users", "nickname")
