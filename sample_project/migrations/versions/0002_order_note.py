"""orders.note: a new optional column

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

The simplest phased revision: one additive change in expand, undone in undo_expand.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def expand() -> None:
    """Add a nullable column: old code ignores it, new code may write it."""
    op.add_column("orders", sa.Column("note", sa.Text(), nullable=True))


def undo_expand() -> None:
    op.drop_column("orders", "note")


def upgrade() -> None:
    expand()


def downgrade() -> None:
    undo_expand()
