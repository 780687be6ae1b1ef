"""Mysql fulltext search on posts.

Revision ID: fa1424908680
Revises: d3f38fcda727
Create Date: 2024-03-03 09:02:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "fa1424908680"
down_revision: Union[str, None] = 'd3f38fcda727'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute("SET SESSION lock_wait_timeout = 5")
    op.create_index("ft_posts_body", "posts", ["body"], mysql_prefix="FULLTEXT")


def downgrade() -> None:
    op.execute("SET SESSION lock_wait_timeout = 5")
    op.drop_index("ft_posts_body", table_name="posts")
