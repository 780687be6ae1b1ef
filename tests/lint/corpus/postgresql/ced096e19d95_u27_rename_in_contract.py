"""Phased, rename at the end.

Revision ID: ced096e19d95
Revises: 57eb98e4323e
Create Date: 2024-03-27 09:26:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "ced096e19d95"
down_revision: Union[str, None] = '57eb98e4323e'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def expand() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.add_column("payments", sa.Column("provider_ref", sa.Text(), nullable=True))


def undo_expand() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.drop_column("payments", "provider_ref")


def contract() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.execute("ALTER TABLE payments RENAME COLUMN reference TO legacy_reference")


def undo_contract() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.execute("ALTER TABLE payments RENAME COLUMN legacy_reference TO reference")
