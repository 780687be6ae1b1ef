"""Longer product names.

Revision ID: 4d2d65d039e0
Revises: faadb32181b5
Create Date: 2024-03-06 09:33:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "4d2d65d039e0"
down_revision: Union[str, None] = 'faadb32181b5'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.alter_column("products", "name", existing_type=sa.String(length=100), type_=sa.String(length=255))
    op.alter_column("products", "description", existing_type=sa.String(length=500), type_=sa.Text())


def downgrade() -> None:
    raise NotImplementedError("irreversible: narrowing could truncate names")
