"""Concurrent index, forgot autocommit.

Revision ID: 98009e781eb6
Revises: 28625df71ed7
Create Date: 2024-03-12 09:11:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "98009e781eb6"
down_revision: Union[str, None] = '28625df71ed7'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index(
        "ix_payments_created_at",
        "payments",
        ["created_at"],
        postgresql_concurrently=True,
    )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index("ix_payments_created_at", table_name="payments", postgresql_concurrently=True, if_exists=True)
