"""rename users.email to users.email_address

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25

A pattern op, written once in expand(): alembic-zdm adds the new column and a
dual-write trigger (expand), backfills and verifies it (migrate), and drops the
trigger and the old column (contract).
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def expand() -> None:
    op.safe_rename_column("users", "email", "email_address")
