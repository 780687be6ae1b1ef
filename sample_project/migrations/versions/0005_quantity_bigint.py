"""orders.quantity: integer to bigint

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25

A type change that would rewrite the table under an ACCESS EXCLUSIVE lock if done
with ALTER COLUMN TYPE: a shadow column kept in step by a trigger, backfilled in
batches, swapped in one short transaction in contract.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def expand() -> None:
    op.safe_change_column_type("orders", "quantity", sa.BigInteger(), existing_type=sa.Integer())
