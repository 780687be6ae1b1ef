"""Plans lookup table.

Revision ID: 68e6d61f56c9
Revises: 04d834ab120d
Create Date: 2024-03-10 09:37:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "68e6d61f56c9"
down_revision: Union[str, None] = '04d834ab120d'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    plans = op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False, unique=True),
    )
    op.bulk_insert(plans, [{"id": 1, "name": "free"}, {"id": 2, "name": "pro"}])
    op.execute("INSERT INTO plans (id, name) VALUES (3, 'enterprise')")


def downgrade() -> None:
    op.drop_table("plans")
