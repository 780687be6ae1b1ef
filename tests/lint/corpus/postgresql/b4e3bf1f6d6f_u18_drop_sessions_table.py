"""Drop legacy_sessions.

Revision ID: b4e3bf1f6d6f
Revises: 0008edd51d7a
Create Date: 2024-03-18 09:17:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "b4e3bf1f6d6f"
down_revision: Union[str, None] = '0008edd51d7a'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.drop_table("legacy_sessions")


def downgrade() -> None:
    op.create_table(
        "legacy_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("data", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
