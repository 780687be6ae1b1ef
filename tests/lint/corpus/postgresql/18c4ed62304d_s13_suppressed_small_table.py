"""Index on a tiny table.

Revision ID: 18c4ed62304d
Revises: ddd42f67ef73
Create Date: 2024-03-13 09:40:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "18c4ed62304d"
down_revision: Union[str, None] = 'ddd42f67ef73'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index("ix_feature_flags_name", "feature_flags", ["name"])  # zdm: ignore[ZDM101,ZDM123] feature_flags has 40 rows


def downgrade() -> None:
    op.drop_index("ix_feature_flags_name", table_name="feature_flags")  # zdm: ignore[ZDM102,ZDM123] 40 rows
