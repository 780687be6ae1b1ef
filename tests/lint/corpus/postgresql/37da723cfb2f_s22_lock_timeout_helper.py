"""Teams.archived, with a helper.

Revision ID: 37da723cfb2f
Revises: 26ed95a648da
Create Date: 2024-03-20 09:47:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "37da723cfb2f"
down_revision: Union[str, None] = '26ed95a648da'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _lock_timeout() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")


def upgrade() -> None:
    _lock_timeout()
    op.add_column("teams", sa.Column("archived", sa.Boolean(), nullable=True))


def downgrade() -> None:
    _lock_timeout()
    op.drop_column("teams", "archived")
