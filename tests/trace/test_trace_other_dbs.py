"""``alembic-zdm trace`` on MariaDB (metadata lock, table copy) and SQLite (write lock)."""

from __future__ import annotations

from pathlib import Path

from alembic_zdm.testing.project import make_project
from alembic_zdm.trace import TracedStatement, TraceReport, trace

BASE = """
def upgrade():
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("qty", sa.Integer, nullable=False),
    )
    op.bulk_insert(
        sa.table("orders", sa.column("id"), sa.column("qty")),
        [{"id": i, "qty": i % 7} for i in range(1, 301)],
    )

def downgrade():
    op.drop_table("orders")
"""

TO_BIGINT = (
    "def upgrade():\n    op.alter_column('orders', 'qty', type_=sa.BigInteger(), "
    "existing_type=sa.Integer(), existing_nullable=False)\n"
    "def downgrade():\n    pass\n"
)


def _trace(tmp_path: Path, url: str, body: str) -> list[TracedStatement]:
    cfg = make_project(tmp_path / "proj", url, [("r0", BASE), ("r1", body)])
    report: TraceReport = trace(cfg, url=url, start="r0")
    return [st for step in report.steps if step.revision == "r1" for st in step.statements]


def test_mariadb_type_change_copies_the_table_under_a_metadata_lock(
    tmp_path: Path, mysql_url: str
) -> None:
    (st,) = [s for s in _trace(tmp_path, mysql_url, TO_BIGINT) if "ALTER TABLE" in s.sql]
    assert st.rewrites == ["orders"] and st.copied is True
    (lock,) = st.locks
    assert lock.mode == "metadata (exclusive)" and lock.blocks_writes


def test_mariadb_online_index_neither_copies_nor_blocks_writes(
    tmp_path: Path, mysql_url: str
) -> None:
    body = "def expand():\n    op.add_index_concurrently('ix_qty', 'orders', ['qty'])\n"
    statements = _trace(tmp_path, mysql_url, body)
    (st,) = [s for s in statements if "ix_qty" in s.sql]
    assert "LOCK=NONE" in st.sql.upper().replace(" ", "")
    assert st.copied is False
    assert st.locks and not st.locks[0].blocks_writes


def test_sqlite_write_lock_held_until_commit(tmp_path: Path, sqlite_url: str) -> None:
    body = (
        "def upgrade():\n    op.execute('UPDATE orders SET qty = qty + 1')\n"
        "    op.create_index('ix_qty', 'orders', ['qty'])\n"
        "def downgrade():\n    op.drop_index('ix_qty', 'orders')\n"
    )
    statements = _trace(tmp_path, sqlite_url, body)
    update, index = [s for s in statements if "ix_qty" in s.sql or "UPDATE" in s.sql]
    (lock,) = update.locks
    assert lock.mode == "write lock" and lock.blocks_writes and update.in_transaction
    assert lock.held_ms >= update.duration_ms + index.duration_ms  # until the step commits
    assert index.in_transaction and index.locks == []  # already held by the transaction
