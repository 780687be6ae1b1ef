"""Unique email, in sql.

Revision ID: 786acc17babb
Revises: 1ad3d03f4577
Create Date: 2024-03-21 09:20:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "786acc17babb"
down_revision: Union[str, None] = '1ad3d03f4577'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute(sa.text("CREATE UNIQUE INDEX ix_users_lower_email ON users (email)"))


def downgrade() -> None:
    op.execute(sa.text("DROP INDEX CONCURRENTLY IF EXISTS ix_users_lower_email"))
