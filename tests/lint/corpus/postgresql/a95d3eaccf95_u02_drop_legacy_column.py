"""Drop users.legacy_flag.

Revision ID: a95d3eaccf95
Revises: cf19d9b7710b
Create Date: 2024-03-02 09:01:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "a95d3eaccf95"
down_revision: Union[str, None] = 'cf19d9b7710b'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.drop_column("users", "legacy_flag")


def downgrade() -> None:
    op.add_column("users", sa.Column("legacy_flag", sa.Boolean(), nullable=True))
