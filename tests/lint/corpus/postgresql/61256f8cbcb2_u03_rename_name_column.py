"""Rename users.name to full_name.

Revision ID: 61256f8cbcb2
Revises: a95d3eaccf95
Create Date: 2024-03-03 09:02:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "61256f8cbcb2"
down_revision: Union[str, None] = 'a95d3eaccf95'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.alter_column("users", "name", new_column_name="full_name", existing_type=sa.String(length=120))


def downgrade() -> None:
    op.alter_column("users", "full_name", new_column_name="name", existing_type=sa.String(length=120))
