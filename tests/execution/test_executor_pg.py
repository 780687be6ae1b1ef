"""The executor on a real PostgreSQL: transactions, savepoints, timeouts, warnings."""

from __future__ import annotations

import logging
import threading
import time

import pytest
import sqlalchemy as sa

from alembic_zdm.errors import LockNotAcquiredError, ZdmError
from alembic_zdm.execution import catalog, execute_plan, execute_statement
from alembic_zdm.sql.statement import LockLevel, Statement, TimeoutClass
from alembic_zdm.testing.capture import online_operations
from alembic_zdm.testing.load import LockHolder

pytestmark = pytest.mark.postgresql

ALTER = Statement("ALTER TABLE t ADD COLUMN b int", lock=LockLevel.ACCESS_EXCLUSIVE, table="t")
TIMEOUTS = "SELECT current_setting('lock_timeout'), current_setting('statement_timeout')"


def test_timeouts_apply_to_the_statement_then_are_restored(pg_url: str, sql) -> None:
    sql("CREATE TABLE t (a int)")
    with online_operations(pg_url) as op:
        conn = op.get_bind()
        conn.execute(sa.text("SET LOCAL lock_timeout = '7s'"))
        seen = execute_statement(
            op, Statement(TIMEOUTS, timeout_class=TimeoutClass.DDL), settings=None
        )
        assert [tuple(r) for r in seen] == [("500ms", "1min")]
        assert conn.execute(sa.text(TIMEOUTS)).one() == ("7s", "0")
        execute_plan(op, [ALTER])
        assert conn.execute(sa.text(TIMEOUTS)).one() == ("7s", "0")
    assert catalog.column_names  # imported API
    assert sql("SELECT count(*) FROM information_schema.columns WHERE table_name = 't'") == [(2,)]


def test_failed_try_keeps_the_outer_transaction(pg_url: str, sql) -> None:
    """A lock timeout inside the migration's transaction rolls back only its savepoint."""
    sql("CREATE TABLE t (a int)")
    sql("CREATE TABLE kept (a int)")
    holder = sa.create_engine(pg_url)
    with holder.connect() as blocking:
        blocking.execute(sa.text("SELECT * FROM t"))
        with pytest.raises(LockNotAcquiredError), online_operations(pg_url) as op:
            op.execute("INSERT INTO kept VALUES (1)")
            try:
                execute_plan(op, [ALTER], settings=_fast())
            finally:
                assert op.get_bind().execute(sa.text("SELECT count(*) FROM kept")).scalar() == 1
        blocking.rollback()
    holder.dispose()


def test_own_transaction_commits_earlier_work(pg_url: str, sql) -> None:
    sql("CREATE TABLE t (a int)")
    with pytest.raises(RuntimeError), online_operations(pg_url) as op:
        op.execute("INSERT INTO t VALUES (1)")
        execute_plan(
            op, [Statement("ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0)", own_transaction=True)]
        )
        op.execute("INSERT INTO t VALUES (2)")
        raise RuntimeError("the rest of the migration fails")
    assert sql("SELECT a FROM t") == [(1,)]
    assert sql("SELECT count(*) FROM pg_constraint WHERE conname = 'c'") == [(1,)]


def test_done_check_skips_the_statement(pg_url: str, sql) -> None:
    sql("CREATE TABLE t (a int)")
    skip = Statement(
        "ALTER TABLE t ADD COLUMN a int", done_check="SELECT 1 WHERE :x = 1", done_params={"x": 1}
    )
    with online_operations(pg_url) as op:
        execute_plan(op, [skip])


def test_retry_succeeds_once_the_blocker_leaves(pg_url: str, sql) -> None:
    sql("CREATE TABLE t (a int)")
    holder = LockHolder(pg_url, 10, "t").hold()
    sleeps: list[float] = []
    with online_operations(pg_url) as op:
        threading.Timer(0.6, holder.release).start()  # leaves after the first tries
        execute_plan(
            op,
            [ALTER],
            settings=_fast(retries=20),
            sleep=lambda s: (sleeps.append(s), time.sleep(s)),
        )
    holder.join(10)
    assert sleeps, "the first try should have timed out"
    assert all(0.05 <= s <= 0.2 for s in sleeps)


def test_autocommit_statement_refused_inside_external_transaction(pg_url: str) -> None:
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    engine = sa.create_engine(pg_url)
    with engine.connect() as conn, conn.begin():
        op = Operations(MigrationContext.configure(conn))
        with pytest.raises(ZdmError, match="must run outside a transaction"):
            execute_plan(op, [Statement("VACUUM", autocommit=True, description="VACUUM")])
    engine.dispose()


def test_pooler_warning_once(pg_url: str, monkeypatch, caplog) -> None:
    from alembic_zdm.dialects import postgresql as pgmod

    monkeypatch.setattr(pgmod, "_client_address", lambda dbapi: ("db.example", 6432))
    monkeypatch.setattr(pgmod, "_warned_pooler", set())
    caplog.set_level(logging.WARNING, logger="alembic.zdm")
    for _ in range(2):
        with online_operations(pg_url) as op:
            execute_plan(op, [Statement("SELECT 1", timeout_class=TimeoutClass.NONE)])
    warnings = [r.getMessage() for r in caplog.records if "pooler" in r.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].startswith(
        "The migration connection to db.example:6432 looks like it goes through a connection pooler"
    )


def test_catalog_helpers(pg_url: str, sql) -> None:
    sql('CREATE SCHEMA app; CREATE TABLE app."T" (id int PRIMARY KEY, "Name" text)')
    with online_operations(pg_url) as op:
        assert catalog.table_exists(op, "T", "app") and not catalog.table_exists(op, "T")
        assert catalog.column_names(op, "T", "app") == ["id", "Name"]
        assert catalog.column_exists(op, "T", "Name", "app")
        assert catalog.index_info(op, "T_pkey", "app").constraints == ("T_pkey",)
        assert catalog.constraint_info(op, "T", "T_pkey", "app").type == "p"
        assert catalog.server_version(op) >= (12,)
        assert catalog.lock_holders(op, "T", "app") == []


def _fast(retries: int = 2):
    from alembic_zdm.config import ZdmSettings

    return ZdmSettings(lock_timeout_ms=100, retries=retries, retry_base_ms=100, retry_cap_ms=200)
