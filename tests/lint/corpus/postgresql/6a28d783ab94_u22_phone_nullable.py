"""Users.phone becomes optional.

Revision ID: 6a28d783ab94
Revises: 786acc17babb
Create Date: 2024-03-22 09:21:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "6a28d783ab94"
down_revision: Union[str, None] = '786acc17babb'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.alter_column("users", "phone", existing_type=sa.String(length=32), nullable=True)


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.alter_column("users", "phone", existing_type=sa.String(length=32), nullable=False)
