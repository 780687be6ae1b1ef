"""Make orders.status not null.

Revision ID: ae990ab476d2
Revises: 61256f8cbcb2
Create Date: 2024-03-04 09:03:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "ae990ab476d2"
down_revision: Union[str, None] = '61256f8cbcb2'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.alter_column("orders", "status", existing_type=sa.VARCHAR(length=20), nullable=False)


def downgrade() -> None:
    op.alter_column("orders", "status", existing_type=sa.VARCHAR(length=20), nullable=True)
