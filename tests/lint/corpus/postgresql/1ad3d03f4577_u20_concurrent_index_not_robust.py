"""Concurrent index by hand.

Revision ID: 1ad3d03f4577
Revises: ea7db4ff71a6
Create Date: 2024-03-20 09:19:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "1ad3d03f4577"
down_revision: Union[str, None] = 'ea7db4ff71a6'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("CREATE INDEX CONCURRENTLY ix_events_kind ON events (kind)")


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_events_kind")
