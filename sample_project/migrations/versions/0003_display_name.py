"""users.display_name replaces users.legacy_flag

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

All three phases: add a column (expand), fill it in batches (migrate), drop a column
the new code no longer maps (contract).
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def expand() -> None:
    """New optional column, written by the new application code."""
    op.add_column("users", sa.Column("display_name", sa.Text(), nullable=True))


def migrate() -> None:
    """Copy usernames into display_name: short key-range batches, resumable."""
    op.backfill("users", set={"display_name": "username"}, where="display_name IS NULL")


def contract() -> None:
    """Only after every server runs code that no longer reads legacy_flag."""
    op.drop_column("users", "legacy_flag")


def undo_contract() -> None:
    op.add_column("users", sa.Column("legacy_flag", sa.Boolean, server_default=sa.false()))


def undo_migrate() -> None:
    pass


def undo_expand() -> None:
    op.drop_column("users", "display_name")


def upgrade() -> None:
    expand()
    migrate()
    contract()


def downgrade() -> None:
    undo_contract()
    undo_migrate()
    undo_expand()
