"""Keep a count of projects and releases in row_counts.

Revision ID: 9b1d4f6a8c23
Revises: 8a0c3e5f7b12
Create Date: 2024-04-02 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "9b1d4f6a8c23"
down_revision: Union[str, None] = '8a0c3e5f7b12'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "row_counts",
        sa.Column("table_name", sa.Text(), primary_key=True),
        sa.Column("count", sa.BigInteger(), nullable=False, server_default=sa.text("0")),
    )
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.execute("LOCK TABLE projects IN SHARE ROW EXCLUSIVE MODE")
    op.execute("LOCK TABLE releases IN SHARE ROW EXCLUSIVE MODE")
    op.execute(
        "CREATE TRIGGER projects_row_count AFTER INSERT OR DELETE ON projects "
        "FOR EACH ROW EXECUTE PROCEDURE count_rows()"
    )
    op.execute("INSERT INTO row_counts (table_name, count) SELECT 'projects', COUNT(*) FROM projects")


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.execute("DROP TRIGGER projects_row_count ON projects")
    op.drop_table("row_counts")
