"""users.status: a required column

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25

Added nullable with a server default (old code's INSERTs keep working), existing
rows backfilled, NOT NULL enforced in contract without a long lock.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def expand() -> None:
    op.add_required_column("users", sa.Column("status", sa.Text()), server_default="'active'")
