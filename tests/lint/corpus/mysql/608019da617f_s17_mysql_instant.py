"""Mysql instant add column.

Revision ID: 608019da617f
Revises: fa1424908680
Create Date: 2024-03-04 09:03:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "608019da617f"
down_revision: Union[str, None] = 'fa1424908680'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute("SET SESSION lock_wait_timeout = 5")
    op.execute("ALTER TABLE users ADD COLUMN locale VARCHAR(10) NULL, ALGORITHM=INSTANT")
    op.create_index("ix_users_locale", "users", ["locale"])


def downgrade() -> None:
    op.execute("SET SESSION lock_wait_timeout = 5")
    op.drop_index("ix_users_locale", table_name="users")
    op.execute("ALTER TABLE users DROP COLUMN locale, ALGORITHM=INSTANT")
