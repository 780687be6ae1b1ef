"""Publishers are unique per environment too.

Revision ID: 8a0c3e5f7b12
Revises: 7d4f1a2c8e90
Create Date: 2024-04-02 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "8a0c3e5f7b12"
down_revision: Union[str, None] = '7d4f1a2c8e90'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.drop_constraint("_publisher_uc", "publishers", type_="unique")
    op.create_unique_constraint(
        "_publisher_uc", "publishers", ["repository", "owner", "workflow", "environment"]
    )  # zdm: ignore[ZDM105] publishers holds a few thousand rows


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.drop_constraint("_publisher_uc", "publishers", type_="unique")
    op.create_unique_constraint(
        "_publisher_uc", "publishers", ["repository", "owner", "workflow"]
    )  # zdm: ignore[ZDM105] publishers holds a few thousand rows
