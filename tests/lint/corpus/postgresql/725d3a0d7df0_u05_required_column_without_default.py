"""Add accounts.region.

Revision ID: 725d3a0d7df0
Revises: ae990ab476d2
Create Date: 2024-03-05 09:04:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "725d3a0d7df0"
down_revision: Union[str, None] = 'ae990ab476d2'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column("accounts", sa.Column("region", sa.String(length=8), nullable=False))


def downgrade() -> None:
    op.drop_column("accounts", "region")
