"""What the guard of plain revisions sends to PostgreSQL besides the revisions themselves.

The guard must cost no round trip per revision (``make bench`` holds ``upgrade head``
over 200 plain revisions to 5 % of stock Alembic), without giving up a guarantee:

* one transaction for every revision (Alembic's default): one ``SET LOCAL``;
* a transaction per revision on a direct connection: one session ``SET`` for the run,
  the session's own value put back at the end — after a failure too;
* through a pooler (a session ``SET`` could land on another server session): a
  ``SET LOCAL`` in every transaction;
* a revision alone in its transaction is retried by rolling that transaction back,
  without a savepoint.
"""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from alembic_zdm.dialects.postgresql import PostgresSupport
from alembic_zdm.testing.project import make_project

X = ["zdm_lock_timeout_ms=300", "zdm_retry_base_ms=100", "zdm_retries=30"]

SEEN = """
def upgrade():
    op.execute("CREATE TABLE IF NOT EXISTS seen (rev text, lock_timeout text)")
    op.execute("INSERT INTO seen VALUES ('{rev}', current_setting('lock_timeout'))")

def downgrade():
    pass
"""

HOT = """
def upgrade():
    op.execute("CREATE TABLE hot (id int)")

def downgrade():
    op.execute("DROP TABLE hot")
"""

ADD = """
def upgrade():
    op.add_column("hot", sa.Column("w", sa.Integer, nullable=True))
    op.execute("INSERT INTO seen VALUES ('add', current_setting('lock_timeout'))")

def downgrade():
    op.drop_column("hot", "w")
"""

FAILS = """
def upgrade():
    op.execute("SELECT * FROM no_such_table")

def downgrade():
    pass
"""

SHARED_ENV = """
from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, transaction_per_migration=True)
with context.begin_transaction():
    context.run_migrations()
"""


def _seen(rev: str) -> tuple[str, str]:
    return (rev, SEEN.replace("{rev}", rev))


@pytest.fixture
def sent() -> Iterator[list[tuple[str, Any]]]:
    """Every statement any engine sends during the test, with its parameters."""
    statements: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, params: Any, *rest: Any) -> None:
        statements.append((statement, params))

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)


def _count(sent: list[tuple[str, Any]], prefix: str) -> int:
    return sum(1 for statement, _ in sent if statement.startswith(prefix))


def _upgrade(cfg: Any, sent: list[tuple[str, Any]]) -> None:
    cfg.cmd_opts = argparse.Namespace(x=X)
    sent.clear()
    command.upgrade(cfg, "head")


@pytest.mark.postgresql
def test_one_shared_transaction_gets_one_set_local(
    tmp_path: Path,
    pg_url: str,
    sql,
    sent: list[tuple[str, Any]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    cfg = make_project(tmp_path, pg_url, [_seen("a"), _seen("b"), _seen("c")])
    _upgrade(cfg, sent)
    assert "Running upgrade a -> b, b" in capsys.readouterr().err  # Alembic's line, unchanged
    assert _count(sent, "SET LOCAL lock_timeout") == 1
    assert _count(sent, "SET lock_timeout") == 0
    # a lock timeout rolls the whole shared transaction back and the run starts again,
    # so no revision needs a savepoint (two round trips each)
    assert _count(sent, "SAVEPOINT") == 0
    assert sql("SELECT rev, lock_timeout FROM seen ORDER BY rev") == [
        ("a", "300ms"),
        ("b", "300ms"),
        ("c", "300ms"),
    ]


@pytest.mark.postgresql
def test_a_transaction_per_revision_gets_one_session_set_put_back_at_the_end(
    tmp_path: Path, pg_url: str, sql, sent: list[tuple[str, Any]]
) -> None:
    revisions = [_seen("a"), _seen("b"), _seen("c")]
    cfg = make_project(tmp_path, pg_url, revisions, ", transaction_per_migration=True")
    _upgrade(cfg, sent)
    assert _count(sent, "SET lock_timeout = '300ms'") == 1
    assert _count(sent, "SET LOCAL") == 0
    assert _count(sent, "SAVEPOINT") == 1  # the first revision shares Alembic's transaction
    restores = [p for s, p in sent if s.startswith("SELECT set_config('lock_timeout'")]
    assert restores == [{"lock_timeout": "0", "statement_timeout": "0", "is_local": False}]
    assert sql("SELECT rev, lock_timeout FROM seen ORDER BY rev") == [
        ("a", "300ms"),
        ("b", "300ms"),
        ("c", "300ms"),
    ]


@pytest.mark.postgresql
def test_through_a_pooler_every_transaction_gets_its_set_local(
    tmp_path: Path,
    pg_url: str,
    sql,
    sent: list[tuple[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(PostgresSupport, "session_settings_stick", lambda self, conn: False)
    revisions = [_seen("a"), _seen("b"), _seen("c")]
    cfg = make_project(tmp_path, pg_url, revisions, ", transaction_per_migration=True")
    _upgrade(cfg, sent)
    assert _count(sent, "SET LOCAL lock_timeout = '300ms'") == 3
    assert _count(sent, "SET lock_timeout") == 0
    assert sql("SELECT count(*) FROM seen WHERE lock_timeout = '300ms'") == [(3,)]


class _Holder(threading.Thread):
    """An idle transaction that has read ``hot`` for *seconds*."""

    def __init__(self, url: str, seconds: float) -> None:
        super().__init__(daemon=True)
        self.url, self.seconds = url, seconds
        self.ready = threading.Event()

    def run(self) -> None:
        engine = sa.create_engine(self.url)
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT count(*) FROM hot"))
            self.ready.set()
            time.sleep(self.seconds)
            conn.rollback()
        engine.dispose()


@pytest.mark.postgresql
def test_a_revision_alone_in_its_transaction_is_retried_without_a_savepoint(
    tmp_path: Path,
    pg_url: str,
    sql,
    sent: list[tuple[str, Any]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    revisions = [_seen("a"), ("hot", HOT), _seen("b"), ("add", ADD)]
    cfg = make_project(tmp_path, pg_url, revisions, ", transaction_per_migration=True")
    cfg.cmd_opts = argparse.Namespace(x=X)
    command.upgrade(cfg, "hot")
    holder = _Holder(pg_url, 1.5)
    holder.start()
    assert holder.ready.wait(10)
    _upgrade(cfg, sent)
    holder.join(10)
    err = capsys.readouterr().err
    assert "Revision add (add) waited for 'hot'" in err
    assert "rolled back (every lock released)" in err
    assert _count(sent, "ALTER TABLE hot ADD COLUMN w") >= 2  # it was tried again
    assert _count(sent, "SAVEPOINT") == 1  # b's: it shares Alembic's transaction; add is alone
    assert sql("SELECT version_num FROM alembic_version") == [("add",)]
    assert sql("SELECT lock_timeout FROM seen WHERE rev = 'add'") == [("300ms",)]


def _shared_project(tmp_path: Path, url: str, revisions: list[tuple[str, str]]) -> Any:
    cfg = make_project(tmp_path, url, revisions)
    (tmp_path / "migrations" / "env.py").write_text(SHARED_ENV)
    cfg.cmd_opts = argparse.Namespace(x=X)
    return cfg


@pytest.mark.postgresql
@pytest.mark.parametrize("fails", [False, True])
def test_the_session_keeps_its_own_lock_timeout_after_the_run(
    tmp_path: Path, pg_url: str, fails: bool
) -> None:
    """env.py migrating on a connection the caller goes on using (Alembic's cookbook)."""
    revisions = [_seen("a"), _seen("b")] + ([("boom", FAILS)] if fails else [])
    cfg = _shared_project(tmp_path, pg_url, revisions)
    engine = sa.create_engine(pg_url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SET lock_timeout = '7s'")
            conn.commit()
            cfg.attributes["connection"] = conn
            if fails:
                with pytest.raises(sa.exc.ProgrammingError, match="no_such_table"):
                    command.upgrade(cfg, "head")
            else:
                command.upgrade(cfg, "head")
            conn.rollback()
            assert conn.exec_driver_sql("SHOW lock_timeout").scalar() == "7s"
            seen = conn.exec_driver_sql("SELECT rev, lock_timeout FROM seen ORDER BY rev").all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in seen] == [("a", "7s"), ("b", "7s")]  # the user's own value wins


@pytest.mark.postgresql
def test_the_session_gets_its_default_back_after_a_failed_run(
    tmp_path: Path, pg_url: str, sent: list[tuple[str, Any]]
) -> None:
    cfg = _shared_project(tmp_path, pg_url, [_seen("a"), _seen("b"), ("boom", FAILS)])
    engine = sa.create_engine(pg_url)
    try:
        with engine.connect() as conn:
            cfg.attributes["connection"] = conn
            with pytest.raises(sa.exc.ProgrammingError, match="no_such_table"):
                command.upgrade(cfg, "head")
            conn.rollback()
            after = conn.exec_driver_sql("SHOW lock_timeout").scalar()
            seen = conn.exec_driver_sql("SELECT rev, lock_timeout FROM seen ORDER BY rev").all()
            version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    finally:
        engine.dispose()
    assert _count(sent, "SET lock_timeout = '300ms'") == 1
    assert after == "0"
    assert [tuple(r) for r in seen] == [("a", "300ms"), ("b", "300ms")]
    assert version == "b"


class _Info:
    def __init__(self, host: str, hostaddr: str, port: int) -> None:
        self.host, self.hostaddr, self.port = host, hostaddr, port


class _Conn:
    """What ``session_settings_stick`` reads: the client's side and the server's view."""

    def __init__(self, info: _Info, server: tuple[str | None, int | None, str]) -> None:
        self.connection = argparse.Namespace(dbapi_connection=argparse.Namespace(info=info))
        self.server = server

    def execute(self, _statement: Any) -> Any:
        return argparse.Namespace(one=lambda: self.server)


@pytest.mark.parametrize(
    ("info", "server", "sticks"),
    [
        (_Info("db", "10.0.0.5", 5432), ("10.0.0.5", 5432, "5432"), True),
        (_Info("/run/postgresql", "", 5432), (None, None, "5432"), True),
        (_Info("pgbouncer", "10.0.0.9", 6432), ("10.0.0.5", 5432, "5432"), False),
        (_Info("pooler", "10.0.0.9", 5432), ("10.0.0.5", 5432, "5432"), False),
        (_Info("db", "10.0.0.5", 5432), ("10.0.0.5", 5433, "5433"), False),
        (_Info("/run/pgbouncer", "", 5432), ("127.0.0.1", 5432, "5432"), False),
        (_Info("db", "", 5432), ("10.0.0.5", 5432, "5432"), False),
    ],
    ids=["direct", "unix-socket", "pgbouncer-port", "other-address", "other-port",
         "socket-to-tcp", "unknown-address"],
)  # fmt: skip
def test_a_session_set_is_used_only_on_a_direct_connection(
    info: _Info, server: tuple[str | None, int | None, str], sticks: bool
) -> None:
    support = PostgresSupport.__new__(PostgresSupport)
    assert support.session_settings_stick(_Conn(info, server)) is sticks  # type: ignore[arg-type]


@pytest.mark.postgresql
def test_the_test_servers_connection_is_direct(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        support = PostgresSupport.__new__(PostgresSupport)
        assert support.session_settings_stick(conn) is True


LEAN_RUN = """
import sys
from alembic.config import main

main(["-c", sys.argv[1], "upgrade", "head"])
print(" ".join(sorted(m for m in sys.modules if m.startswith("alembic_zdm"))))
"""

NOT_ON_THE_PLAIN_PATH = (
    "alembic_zdm.phases.state",  # no state table in the database: nothing to read
    "alembic_zdm.sql.statement",  # no plan is built
    "alembic_zdm.dialects.records",  # no lock wait, no catalog look-up
    "alembic_zdm.execution.policy",  # no retry
    "alembic_zdm.execution.executor",
    "alembic_zdm.ops",
)


def test_a_plain_upgrade_loads_the_guard_and_nothing_it_does_not_use(tmp_path: Path) -> None:
    """What a plain ``upgrade head`` imports is most of the plugin's cost per command
    (``make bench``: 200 plain revisions within 5 % of stock Alembic)."""
    import subprocess
    import sys

    revisions = [(f"r{n}", 'def upgrade():\n    op.execute("SELECT 1")\n') for n in range(3)]
    config = make_project(tmp_path, f"sqlite:///{tmp_path / 'lean.db'}", revisions)
    done = subprocess.run(
        [sys.executable, "-c", LEAN_RUN, str(config.config_file_name)],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    loaded = set(done.stdout.split())
    assert "alembic_zdm.execution.plain" in loaded, "the plain revisions ran unguarded"
    assert sorted(loaded & set(NOT_ON_THE_PLAIN_PATH)) == []
    with sa.create_engine(f"sqlite:///{tmp_path / 'lean.db'}").connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "r2"
