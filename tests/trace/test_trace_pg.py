"""``alembic-zdm trace`` on a real PostgreSQL: the locks each statement really takes."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from alembic_zdm.testing.project import make_project
from alembic_zdm.trace import TracedStatement, TraceReport, trace

BASE = """
def upgrade():
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("qty", sa.Integer, nullable=False),
        sa.Column("note", sa.Text, nullable=True),
    )
    op.execute("INSERT INTO orders (id, qty) SELECT g, g % 7 FROM generate_series(1, 2000) g")

def downgrade():
    op.drop_table("orders")
"""


def _project(tmp_path: Path, url: str, body: str) -> object:
    return make_project(tmp_path / "proj", url, [("r0", BASE), ("r1", body)])


def _statements(report: TraceReport, revision: str = "r1") -> list[TracedStatement]:
    return [st for step in report.steps if step.revision == revision for st in step.statements]


def _one(report: TraceReport, needle: str) -> TracedStatement:
    found = [st for st in _statements(report) if needle.lower() in st.sql.lower()]
    assert len(found) == 1, [st.sql for st in _statements(report)]
    return found[0]


def test_naive_create_index_holds_share_for_the_whole_build(tmp_path: Path, pg_url: str) -> None:
    cfg = _project(
        tmp_path,
        pg_url,
        "def upgrade():\n    op.create_index('ix_qty', 'orders', ['qty'])\n"
        "def downgrade():\n    op.drop_index('ix_qty', 'orders')\n",
    )
    report = trace(cfg, url=pg_url, start="r0")  # type: ignore[arg-type]
    st = _one(report, "CREATE INDEX")
    (lock,) = [lk for lk in st.locks if lk.table == "orders"]
    assert lock.mode == "ShareLock"
    assert lock.measured and lock.blocks_writes and not lock.blocks_reads
    assert lock.held_ms >= st.duration_ms  # taken at the start, held until the step commits
    assert st.rows["orders"] == 2000
    assert "orders" in st.scans


def _release_once_building(url: str, snapshot: sa.Connection) -> None:
    """End the old snapshot 0.5 s after the concurrent build is seen waiting for it
    (a fixed timer started before the trace raced the trace's own set-up). Watched on
    a bare driver connection: the trace records what SQLAlchemy engines send."""
    import psycopg

    query = (
        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'CREATE INDEX CONCURRENTLY%%' "
        "AND state = 'active'"
    )
    deadline = time.monotonic() + 60
    dsn = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as watch:
        while not watch.execute(query).fetchone()[0] and time.monotonic() < deadline:  # type: ignore[index]
            time.sleep(0.02)
    time.sleep(0.5)
    snapshot.rollback()


def test_concurrent_index_takes_no_lock_that_blocks_writes(
    tmp_path: Path, pg_url: str, engine: sa.Engine
) -> None:
    cfg = _project(
        tmp_path,
        pg_url,
        "def expand():\n    op.add_index_concurrently('ix_qty', 'orders', ['qty'])\n",
    )
    command.upgrade(cfg, "r0")  # type: ignore[arg-type]
    # An old snapshot makes the build wait (as on a busy server), long enough to be sampled.
    snapshot = engine.connect()
    snapshot.execute(sa.text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
    snapshot.execute(sa.text("SELECT count(*) FROM orders"))
    release = threading.Thread(target=_release_once_building, args=(pg_url, snapshot))
    release.start()
    try:
        report = trace(cfg, url=pg_url)  # type: ignore[arg-type]
    finally:
        release.join()
        snapshot.close()
    st = _one(report, "CREATE INDEX CONCURRENTLY")
    assert st.duration_ms >= 300 and st.note is None  # sampled while it waited
    assert not st.in_transaction
    assert [lk.mode for lk in st.locks if lk.table == "orders"] == ["ShareUpdateExclusiveLock"]
    assert all(
        not lk.blocks_writes for step in report.steps for s in step.statements for lk in s.locks
    )
    assert report.violations() == []


def test_naive_int_to_bigint_is_a_rewrite_under_access_exclusive(
    tmp_path: Path, pg_url: str
) -> None:
    cfg = _project(
        tmp_path,
        pg_url,
        "def upgrade():\n    op.alter_column('orders', 'qty', type_=sa.BigInteger(), "
        "existing_type=sa.Integer())\n"
        "def downgrade():\n    op.alter_column('orders', 'qty', type_=sa.Integer())\n",
    )
    report = trace(cfg, url=pg_url, start="r0", max_write_block_ms=0)  # type: ignore[arg-type]
    st = _one(report, "TYPE BIGINT")
    assert st.rewrites == ["orders"]
    (lock,) = [lk for lk in st.locks if lk.table == "orders"]
    assert lock.mode == "AccessExclusiveLock" and lock.blocks_reads and lock.blocks_writes
    assert report.violations() and report.violations()[0][1] is st


def test_safe_type_change_rewrites_nothing(tmp_path: Path, pg_url: str) -> None:
    cfg = _project(
        tmp_path,
        pg_url,
        "def expand():\n    op.safe_change_column_type('orders', 'qty', sa.BigInteger(), "
        "existing_type=sa.Integer())\n",
    )
    report = trace(cfg, url=pg_url, start="r0")  # type: ignore[arg-type]
    phases = {step.phase for step in report.steps if step.revision == "r1"}
    assert phases == {"expand", "migrate", "contract"}
    rewrites = [t for st in _statements(report) for t in st.rewrites]
    assert rewrites == []
    assert _statements(report), "the safe op ran statements"


def test_cli_json_is_valid_and_exit_code_follows_the_threshold(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import jsonschema

    from alembic_zdm.cli import main

    cfg = _project(
        tmp_path,
        pg_url,
        "def upgrade():\n    op.alter_column('orders', 'qty', type_=sa.BigInteger(), "
        "existing_type=sa.Integer())\n"
        "def downgrade():\n    op.alter_column('orders', 'qty', type_=sa.Integer())\n",
    )
    ini = str(cfg.config_file_name)  # type: ignore[attr-defined]
    args = ["-c", ini, "trace", "--url", pg_url, "--from", "r0", "--format", "json"]
    assert main([*args, "--max-write-block-ms", "0"]) == 1
    data = json.loads(capsys.readouterr().out)
    schema_path = Path(__file__).parents[2] / "alembic_zdm" / "trace" / "schema.json"
    jsonschema.validate(data, json.loads(schema_path.read_text()))
    assert data["violations"] == 1
    # the --url database is at head now; without --url trace makes a fresh one
    fresh = ["-c", ini, "trace", "--from", "r0", "--format", "markdown"]
    assert main([*fresh, "--max-write-block-ms", "100000"]) == 0
    out = capsys.readouterr().out
    assert "| `ALTER TABLE orders ALTER COLUMN qty TYPE BIGINT` |" in out
    assert "rewrites orders" in out


def test_fresh_scratch_database_on_the_configured_server(tmp_path: Path, pg_url: str) -> None:
    import sqlalchemy as sa

    cfg = _project(
        tmp_path,
        pg_url,
        "def upgrade():\n    op.create_index('ix_qty', 'orders', ['qty'])\n"
        "def downgrade():\n    op.drop_index('ix_qty', 'orders')\n",
    )
    report = trace(cfg)  # type: ignore[arg-type]
    assert report.database.startswith("zdm_trace_") and report.database not in pg_url
    assert _one(report, "CREATE INDEX").locks
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:  # the configured database was not touched
        assert not sa.inspect(conn).has_table("orders")
        assert (
            conn.execute(
                sa.text("SELECT count(*) FROM pg_database WHERE datname = :d"),
                {"d": report.database},
            ).scalar()
            == 0
        )  # and the scratch database is gone
    engine.dispose()
