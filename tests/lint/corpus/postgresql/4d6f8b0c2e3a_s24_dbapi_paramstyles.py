"""Copy default locations with DBAPI placeholders.

Revision ID: 4d6f8b0c2e3a
Revises: 0a1b2c3d4e5f
Create Date: 2024-05-02 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "4d6f8b0c2e3a"
down_revision: Union[str, None] = "0a1b2c3d4e5f"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    conn = op.get_bind()
    default_id = conn.execute("SELECT id FROM rooms.locations WHERE is_default").scalar()
    if default_id is None:
        return
    conn.execute("UPDATE rooms.rooms SET location_id = %s WHERE location_id IS NULL", (default_id,))
    conn.execute(
        "UPDATE rooms.aspects SET is_default = %(flag)s WHERE location_id = %(loc)s",
        {"flag": True, "loc": default_id},
    )
    stale = [row.id for row in conn.execute("SELECT id FROM rooms.rooms WHERE is_deleted")]
    if stale:
        conn.execute("DELETE FROM rooms.favorites WHERE room_id IN %s", (tuple(stale),))


def downgrade() -> None:
    pass
