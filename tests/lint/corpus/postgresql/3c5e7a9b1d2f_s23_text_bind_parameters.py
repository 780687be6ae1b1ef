"""Move legacy tier values with bound parameters.

Revision ID: 3c5e7a9b1d2f
Revises: 0a1b2c3d4e5f
Create Date: 2024-05-02 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "3c5e7a9b1d2f"
down_revision: Union[str, None] = "0a1b2c3d4e5f"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    conn = op.get_bind()
    query = sa.text("SELECT id, settings FROM accounts.plans WHERE name = :name").columns(
        sa.column("id", sa.Integer), sa.column("settings", sa.JSON)
    )
    rows = conn.execute(query, {"name": "legacy"}).fetchall()
    for plan_id, settings in rows:
        conn.execute(
            sa.text("UPDATE accounts.subscriptions SET tier = :tier WHERE plan_id = :plan_id"),
            {"tier": settings.get("tier", 1), "plan_id": plan_id},
        )
    conn.execute(
        sa.text("DELETE FROM accounts.plans WHERE id = ANY(:ids) AND created_dt < :cutoff")
        .bindparams(sa.bindparam("ids", type_=sa.ARRAY(sa.Integer)), cutoff="2020-01-01")
    )


def downgrade() -> None:
    pass
