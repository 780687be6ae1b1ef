"""Rebuild a table the SQLite way.

Revision ID: 8b0d2f4a6c7e
Revises: 0a1b2c3d4e5f
Create Date: 2024-05-02 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "8b0d2f4a6c7e"
down_revision: Union[str, None] = "0a1b2c3d4e5f"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    conn = op.get_bind()
    conn.execute(sa.text("PRAGMA legacy_alter_table=ON"))
    conn.execute(sa.text("PRAGMA foreign_keys=OFF"))
    conn.execute(
        sa.text("UPDATE OR IGNORE instance_config SET valid_until = :epoch WHERE valid_until IS NULL")
        .bindparams(epoch="1970-01-01 00:00:00")
    )
    conn.execute(sa.text("UPDATE sources SET flagged = ? WHERE flagged IS NULL"), (False,))
    conn.execute(sa.text("PRAGMA legacy_alter_table=OFF"))


def downgrade() -> None:
    pass
