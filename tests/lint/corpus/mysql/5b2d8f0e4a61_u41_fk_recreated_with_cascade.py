"""Delete hints and files with their challenge.

Revision ID: 5b2d8f0e4a61
Revises: d3f38fcda727
Create Date: 2024-04-02 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "5b2d8f0e4a61"
down_revision: Union[str, None] = 'd3f38fcda727'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.drop_constraint("hints_ibfk_1", "hints", type_="foreignkey")
    op.create_foreign_key(
        "hints_ibfk_1", "hints", "challenges", ["challenge_id"], ["id"], ondelete="CASCADE"
    )


def downgrade() -> None:
    op.drop_constraint("hints_ibfk_1", "hints", type_="foreignkey")
    op.create_foreign_key("hints_ibfk_1", "hints", "challenges", ["challenge_id"], ["id"])
