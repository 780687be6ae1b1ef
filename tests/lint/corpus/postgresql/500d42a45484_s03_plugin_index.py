"""Index with the plugin op.

Revision ID: 500d42a45484
Revises: 39cb0219fe35
Create Date: 2024-03-03 09:30:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "500d42a45484"
down_revision: Union[str, None] = '39cb0219fe35'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_index_concurrently("ix_payments_status", "payments", ["status"], where="status <> 'done'")


def downgrade() -> None:
    op.drop_index_concurrently("ix_payments_status", "payments")
