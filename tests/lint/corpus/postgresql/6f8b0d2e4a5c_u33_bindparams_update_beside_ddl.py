"""Add a status column and fill it.

Revision ID: 6f8b0d2e4a5c
Revises: 0a1b2c3d4e5f
Create Date: 2024-05-02 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "6f8b0d2e4a5c"
down_revision: Union[str, None] = "0a1b2c3d4e5f"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column("tickets", sa.Column("status", sa.Text(), nullable=True))
    op.execute(
        sa.text("UPDATE tickets SET status = :status WHERE closed_at IS NOT NULL").bindparams(
            status="closed"
        )
    )


def downgrade() -> None:
    op.drop_column("tickets", "status")
