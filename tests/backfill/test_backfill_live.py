"""The backfill engine on PostgreSQL: ranges, composite keys, resume after SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import alembic  # noqa: F401  (plugin first)
import pytest
from sqlalchemy import create_engine

from alembic_zdm.backfill import BackfillOptions, BackfillProgress, BackfillSpec, run_backfill
from alembic_zdm.errors import BackfillVerificationError, SchemaObjectError

from ..patterns.harness import Migration, TableCheckpoints

pytestmark = pytest.mark.postgresql


def _table(url: str, rows: int, key: str = "id bigserial PRIMARY KEY") -> None:
    eng = create_engine(url, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.exec_driver_sql(f"CREATE TABLE t ({key}, a int, b text)")
        c.exec_driver_sql(f"INSERT INTO t (a) SELECT g FROM generate_series(1, {rows}) g")
    eng.dispose()


def test_batches_match_one_update_and_report_progress(pg_url: str) -> None:
    _table(pg_url, 10_000)
    eng = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    events: list[BackfillProgress] = []
    with eng.connect() as c:
        spec = BackfillSpec("t", {"b": "'v' || (a * 2)"}, where="a % 10 <> 0")
        result = run_backfill(
            c, spec, BackfillOptions(batch_size=500, min_batch=100), on_progress=events.append
        )
        assert result.rows == 9000 and result.key == ("id",)
        assert result.batches >= 2 and len(events) == result.batches
        assert events[-1].done and events[-1].rows == 9000
        assert [e.rows for e in events] == sorted(e.rows for e in events)
        assert (
            c.exec_driver_sql(
                "SELECT count(*) FROM t WHERE b IS DISTINCT FROM CASE WHEN mod(a, 10) <> 0 THEN 'v' || (a * 2) END"
            ).scalar()
            == 0
        )
        again = run_backfill(c, spec)  # nothing left to change: writes nothing
        assert again.rows == 0
    eng.dispose()


def test_composite_key(pg_url: str) -> None:
    eng = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.exec_driver_sql("CREATE TABLE t (k1 int, k2 text, a int, b int, PRIMARY KEY (k1, k2))")
        c.exec_driver_sql(
            "INSERT INTO t SELECT mod(g, 7), 'x' || g, g, NULL FROM generate_series(1, 3000) g"
        )
        result = run_backfill(
            c,
            BackfillSpec("t", {"b": "a + 1"}),
            BackfillOptions(batch_size=100, min_batch=100, max_batch=100),
        )
        assert result.key == ("k1", "k2") and result.rows == 3000 and result.batches >= 30
        assert (
            c.exec_driver_sql("SELECT count(*) FROM t WHERE b IS DISTINCT FROM a + 1").scalar() == 0
        )
    eng.dispose()


def test_no_usable_key_is_one_sentence(pg_url: str) -> None:
    eng = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.exec_driver_sql("CREATE TABLE t (a int, b int)")
        with pytest.raises(SchemaObjectError, match="Table 't' has no primary key or unique index"):
            run_backfill(c, BackfillSpec("t", {"b": "a"}))
        with pytest.raises(SchemaObjectError, match="Column 'nope' does not exist on table 't'"):
            c.exec_driver_sql("ALTER TABLE t ADD PRIMARY KEY (a)")
            run_backfill(c, BackfillSpec("t", {"nope": "a"}))
    eng.dispose()


def test_op_backfill_and_validate_backfill(pg_url: str) -> None:
    _table(pg_url, 5000)
    mig = Migration(pg_url)
    try:
        with mig.ctx.begin_transaction():
            mig.op.backfill("t", set={"b": "'v' || a"}, batch_size=1000)  # type: ignore[attr-defined]
            mig.op.validate_backfill("t", column="b", expected="'v' || a")  # type: ignore[attr-defined]
        mig.sql("UPDATE t SET b = 'bad' WHERE id IN (7, 9)")
        with pytest.raises(
            BackfillVerificationError, match=r"found 2 row\(s\) .*sample keys: 7, 9"
        ):
            with mig.ctx.begin_transaction():
                mig.op.validate_backfill("t", column="b", expected="'v' || a")  # type: ignore[attr-defined]
    finally:
        mig.close()


KILLABLE = textwrap.dedent(
    """
    import sys, time, alembic
    from sqlalchemy import create_engine
    from alembic_zdm.backfill import BackfillOptions, BackfillSpec, run_backfill
    from tests.patterns.harness import TableCheckpoints
    eng = create_engine(sys.argv[1], isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        store = TableCheckpoints(c)
        opts = BackfillOptions(batch_size=2000, min_batch=2000, max_batch=2000, pause_ms=int(sys.argv[2]))
        def tick(e):
            print(e.rows, flush=True)
        run_backfill(c, BackfillSpec("t", {"b": "md5(a::text)"}), opts, store, tick)
    """
)


def test_sigkill_mid_way_resumes_from_checkpoint(pg_url: str, tmp_path: object) -> None:
    rows = 100_000
    _table(pg_url, rows)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLABLE, pg_url, "50"], stdout=subprocess.PIPE, text=True, cwd=root
    )
    assert proc.stdout is not None
    done = 0
    while done < 20_000:
        line = proc.stdout.readline()
        assert line, "backfill ended before it could be killed"
        done = int(line)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    eng = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        store = TableCheckpoints(c)
        saved = store.load(c, "backfill:t:b")
        assert saved is not None and not saved["done"] and saved["last"][0] >= 20_000
        filled = c.exec_driver_sql("SELECT count(*) FROM t WHERE b IS NOT NULL").scalar()
        assert filled == saved["rows"] < rows  # batch and checkpoint committed together
        started = time.monotonic()
        result = run_backfill(c, BackfillSpec("t", {"b": "md5(a::text)"}), BackfillOptions(), store)
        assert result.resumed_from == saved["last"]
        assert result.rows == rows  # counted from the checkpoint on, nothing done twice
        assert time.monotonic() - started < 30
        mine = c.exec_driver_sql(
            "SELECT md5(string_agg(id || ':' || b, ',' ORDER BY id)) FROM t"
        ).scalar()
        c.exec_driver_sql("UPDATE t SET b = md5(a::text)")  # the one naive UPDATE
        naive = c.exec_driver_sql(
            "SELECT md5(string_agg(id || ':' || b, ',' ORDER BY id)) FROM t"
        ).scalar()
        assert mine == naive
    eng.dispose()
