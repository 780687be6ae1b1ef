"""Add users.plan with a python default.

Revision ID: 479fe80f43b6
Revises: 725d3a0d7df0
Create Date: 2024-03-06 09:05:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "479fe80f43b6"
down_revision: Union[str, None] = '725d3a0d7df0'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("plan", sa.String(length=20), nullable=False, default="free"),
    )


def downgrade() -> None:
    op.drop_column("users", "plan")
