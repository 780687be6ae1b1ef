"""Events.occurred_at to timestamptz (pg12+, utc).

Revision ID: 412de677bb7c
Revises: 68e6d61f56c9
Create Date: 2024-03-11 09:38:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "412de677bb7c"
down_revision: Union[str, None] = '68e6d61f56c9'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.alter_column("events", "occurred_at", existing_type=sa.DateTime(), type_=sa.DateTime(timezone=True))


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.alter_column("events", "occurred_at", existing_type=sa.DateTime(timezone=True), type_=sa.DateTime())
