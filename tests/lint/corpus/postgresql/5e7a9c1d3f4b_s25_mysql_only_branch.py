"""Millisecond precision on MySQL only.

Revision ID: 5e7a9c1d3f4b
Revises: 0a1b2c3d4e5f
Create Date: 2024-05-02 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "5e7a9c1d3f4b"
down_revision: Union[str, None] = "0a1b2c3d4e5f"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    bind = op.get_bind()
    url = str(bind.engine.url)
    if url.startswith("mysql"):
        columns = bind.execute(
            "SELECT `TABLE_NAME`, `COLUMN_NAME` FROM `information_schema`.`COLUMNS` "
            "WHERE `table_schema`=DATABASE() AND `DATA_TYPE`='datetime';"
        ).fetchall()
        for table_name, column_name in columns:
            op.execute(f"ALTER TABLE `{table_name}` MODIFY `{column_name}` DATETIME(6)")
    if op.get_context().dialect.name == "mysql":
        op.execute("ALTER TABLE `awards` CONVERT TO CHARACTER SET utf8mb4")
    elif bind.dialect.name == "sqlite":
        op.execute("PRAGMA foreign_keys=OFF")


def downgrade() -> None:
    if op.get_bind().dialect.name != "mysql":
        return
    op.execute("ALTER TABLE `awards` CONVERT TO CHARACTER SET utf8")
