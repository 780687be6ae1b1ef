"""Unique accounts.slug, checked first.

Revision ID: b987268a2a4b
Revises: 18c4ed62304d
Create Date: 2024-03-14 09:41:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "b987268a2a4b"
down_revision: Union[str, None] = '18c4ed62304d'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def expand() -> None:
    op.validate_data_integrity(
        "SELECT slug FROM accounts GROUP BY slug HAVING count(*) > 1",
        "accounts.slug has duplicates; deduplicate before deploying",
    )
    op.add_unique_constraint_safe("uq_accounts_slug", "accounts", ["slug"])


def undo_expand() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.drop_constraint("uq_accounts_slug", "accounts", type_="unique")
