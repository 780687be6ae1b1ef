"""Two ``alembic upgrade head`` at once, through the real console script: they serialize.

The heads are read only once the runner lock is held, so the second runner waits and
then finds nothing to do (or, past ``runner_lock_wait_s``, says who holds the lock),
for plain and phased histories, on PostgreSQL, MariaDB and SQLite.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from alembic_zdm.phases.lock import PG_LOCK_KEY, mysql_lock_name
from alembic_zdm.testing.project import make_project

from .conftest import current_heads, log_entries

BIN = Path(sys.executable).parent

GATE = "gate"
"""While this file exists in the project folder, the slow revision waits (the test opens it)."""
WAIT_AT_GATE = (
    "__import__('time').sleep(0.2)\n"
    "    while __import__('os').path.exists(__import__('os').path.join(HERE, 'gate')):\n"
    "        __import__('time').sleep(0.05)"
)
HERE = "HERE = __import__('os').path.dirname(__import__('os').path.dirname(__import__('os').path.dirname(__file__)))\n"


def _dialect(url: str) -> str:
    return "mysql" if url.startswith("mysql") else url.split(":")[0].split("+")[0]


def _plain_history(root: Path, url: str) -> None:
    make_project(
        root,
        url,
        [
            (
                "p1",
                "def upgrade():\n    op.create_table('t', sa.Column('id', sa.Integer, primary_key=True))\n"
                "def downgrade():\n    op.drop_table('t')\n",
            ),
            (
                "p2",
                f"{HERE}def upgrade():\n    {WAIT_AT_GATE}\n"
                "    op.add_column('t', sa.Column('note', sa.String(20), nullable=True))\n"
                f"def downgrade():\n    {WAIT_AT_GATE}\n    op.drop_column('t', 'note')\n",
            ),
            (
                "p3",
                "def upgrade():\n    op.create_table('u', sa.Column('id', sa.Integer, primary_key=True))\n"
                "def downgrade():\n    op.drop_table('u')\n",
            ),
        ],
    )


def _phased_history(root: Path, url: str) -> None:
    from .conftest import ITEMS, LOG_TABLE, phased

    slow = HERE + phased("r1").replace(
        "def migrate():\n", f"def migrate():\n    {WAIT_AT_GATE}\n", 1
    )
    make_project(
        root,
        url,
        [("r0", LOG_TABLE), ("items", ITEMS), ("r1", slow), ("r2", phased("r2"))],
    )


def _start(root: Path, *args: str) -> subprocess.Popen[str]:
    """The real console script; its stderr goes to a file, read by :func:`_said`."""
    err = open(root / f"stderr-{time.monotonic_ns()}.txt", "w+")
    proc = subprocess.Popen(
        [str(BIN / "alembic"), *args],
        cwd=root,
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=err,
        text=True,
    )
    proc.err_file = err  # type: ignore[attr-defined]
    return proc


def _said(proc: subprocess.Popen[str]) -> str:
    return Path(proc.err_file.name).read_text()  # type: ignore[attr-defined]


def _finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    proc.wait(timeout=180)
    proc.err_file.close()  # type: ignore[attr-defined]
    return proc.returncode, _said(proc)


def _close_gate(root: Path) -> None:
    (root / GATE).write_text("")


def _open_gate(root: Path) -> None:
    (root / GATE).unlink(missing_ok=True)


def _lock_held(url: str) -> bool:
    dialect = _dialect(url)
    if dialect == "sqlite":
        path = f"{url.removeprefix('sqlite:///')}.zdm-lock"
        if not os.path.exists(path):
            return False
        with open(path, "a+") as fh:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
            return False
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if dialect == "postgresql":
                sql = (
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = :k "
                    "AND granted AND database = (SELECT oid FROM pg_database "
                    "WHERE datname = current_database())"
                )
                return bool(conn.execute(text(sql), {"k": PG_LOCK_KEY}).scalar())
            name = mysql_lock_name(engine.url.database)
            return conn.execute(text("SELECT IS_USED_LOCK(:n)"), {"n": name}).scalar() is not None
    finally:
        engine.dispose()


def _wait_until(check: object, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _columns(url: str, table: str) -> list[str]:
    engine = create_engine(url)
    try:
        return sorted(c["name"] for c in inspect(engine).get_columns(table))
    finally:
        engine.dispose()


@pytest.fixture(params=["postgresql", "mysql", "sqlite"])
def url(request: pytest.FixtureRequest) -> str:
    name = {"postgresql": "pg_url", "mysql": "mysql_url", "sqlite": "sqlite_url"}[request.param]
    value: str = request.getfixturevalue(name)
    return value


def _until_waiting(proc: subprocess.Popen[str]) -> None:
    _wait_until(
        lambda: "holds the runner lock; waiting" in _said(proc) or proc.poll() is not None,
        "the second runner to wait",
    )
    assert proc.poll() is None, _said(proc)


@pytest.mark.parametrize("history", ["plain", "phased"])
def test_second_runner_waits_then_finds_nothing_to_do(
    tmp_path: Path, url: str, history: str
) -> None:
    (_plain_history if history == "plain" else _phased_history)(tmp_path, url)
    _close_gate(tmp_path)
    first = _start(tmp_path, "upgrade", "head")
    _wait_until(lambda: _lock_held(url) or first.poll() is not None, "the first runner's lock")
    second = _start(tmp_path, "upgrade", "head")
    _until_waiting(second)
    _open_gate(tmp_path)
    rc1, err1 = _finish(first)
    rc2, err2 = _finish(second)
    assert rc1 == 0, err1
    assert rc2 == 0, err2
    assert "holds the runner lock; waiting up to 30 s" in err2
    assert "already at the target: nothing to do" in err2
    assert "Traceback" not in err2
    if history == "plain":
        assert current_heads(url) == ["p3"]
        assert _columns(url, "t") == ["id", "note"]
    else:
        assert current_heads(url) == ["r2"]
        assert log_entries(url) == [
            "r1:expand",
            "r2:expand",
            "r1:migrate",
            "r2:migrate",
            "r1:contract",
            "r2:contract",
        ]


@pytest.mark.parametrize("history", ["plain", "phased"])
def test_two_runners_started_together_both_succeed(tmp_path: Path, url: str, history: str) -> None:
    (_plain_history if history == "plain" else _phased_history)(tmp_path, url)
    _close_gate(tmp_path)
    runners = [_start(tmp_path, "upgrade", "head") for _ in range(2)]
    _wait_until(lambda: _lock_held(url), "one runner to take the lock")
    time.sleep(2)  # whichever interleaving happens, neither may fail
    _open_gate(tmp_path)
    results = [_finish(p) for p in runners]
    for rc, err in results:
        assert rc == 0, err
        assert "Traceback" not in err
    assert current_heads(url) == (["p3"] if history == "plain" else ["r2"])
    if history == "phased":
        assert len(log_entries(url)) == 6  # every phase ran exactly once


def test_second_runner_gives_up_naming_the_holder(tmp_path: Path, url: str) -> None:
    _plain_history(tmp_path, url)
    _close_gate(tmp_path)
    first = _start(tmp_path, "upgrade", "head")
    _wait_until(lambda: _lock_held(url) or first.poll() is not None, "the first runner's lock")
    second = _start(tmp_path, "-x", "zdm_runner_lock_wait_s=0.5", "upgrade", "head")
    rc2, err2 = _finish(second)
    _open_gate(tmp_path)
    rc1, err1 = _finish(first)
    assert rc1 == 0, err1
    assert rc2 != 0  # alembic exits 255 on a CommandError
    assert "Another migration runner is working on database" in err2
    hint = {"postgresql": "session pid ", "mysql": "connection id ", "sqlite": ".zdm-lock"}
    assert hint[_dialect(url)] in err2
    assert "Traceback" not in err2
    assert current_heads(url) == ["p3"]


def test_two_downgrades_at_once_serialize(tmp_path: Path, url: str) -> None:
    from alembic import command
    from alembic.config import Config

    _plain_history(tmp_path, url)
    command.upgrade(Config(str(tmp_path / "alembic.ini")), "head")
    _close_gate(tmp_path)
    first = _start(tmp_path, "downgrade", "p1")
    _wait_until(lambda: _lock_held(url) or first.poll() is not None, "the first runner's lock")
    second = _start(tmp_path, "downgrade", "p1")
    _until_waiting(second)
    _open_gate(tmp_path)
    rc1, err1 = _finish(first)
    rc2, err2 = _finish(second)
    assert rc1 == 0, err1
    assert rc2 == 0, err2
    assert "already at the target: nothing to do" in err2
    assert current_heads(url) == ["p1"]
    assert _columns(url, "t") == ["id"]


BIG = """
def upgrade():
    op.create_table('big', sa.Column('id', sa.Integer, primary_key=True), sa.Column('v', sa.Integer))
    op.execute('INSERT INTO big (id, v) SELECT g, g % 97 FROM generate_series(1, 20000) AS g')

def downgrade():
    op.drop_table('big')
"""

INDEX = """
def expand():
    op.add_index_concurrently('ix_big_v', 'big', ['v'])

def undo_expand():
    op.drop_index_concurrently('ix_big_v', 'big')
"""

RUNNER_BACKENDS = (
    "SELECT pid, state, xact_start IS NULL, backend_xmin IS NULL, query "
    "FROM pg_stat_activity WHERE application_name = 'zdm-runner-2'"
)


def _with_app(url: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    with_app = make_url(url).update_query_dict({"application_name": name})
    return with_app.render_as_string(hide_password=False)


def test_waiting_runner_holds_no_snapshot_while_the_first_builds_an_index(
    tmp_path: Path, pg_url: str
) -> None:
    from alembic import command

    history = [("b1", BIG), ("b2", INDEX)]
    cfg1 = make_project(tmp_path / "one", _with_app(pg_url, "zdm-runner-1"), history)
    make_project(tmp_path / "two", _with_app(pg_url, "zdm-runner-2"), history)
    command.upgrade(cfg1, "b1")
    engine = create_engine(pg_url)
    watch = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    snapshot = engine.connect().execution_options(isolation_level="REPEATABLE READ")
    try:
        snapshot.execute(text("SELECT 1"))  # an old snapshot: the concurrent build waits for it
        holder_pid = snapshot.execute(text("SELECT pg_backend_pid()")).scalar()
        first = _start(tmp_path / "one", "upgrade", "head")

        def building() -> int | None:
            return watch.execute(
                text(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = 'zdm-runner-1' "
                    "AND query ILIKE 'CREATE INDEX CONCURRENTLY%' AND state = 'active' "
                    "AND :h = ANY(pg_blocking_pids(pid))"
                ),
                {"h": holder_pid},
            ).scalar()

        _wait_until(lambda: building() or first.poll() is not None, "the concurrent build")
        builder = building()
        assert builder is not None, _said(first)
        second = _start(tmp_path / "two", "upgrade", "head")

        _until_waiting(second)  # from here on its lock session only polls
        assert len(watch.execute(text(RUNNER_BACKENDS)).all()) == 2
        for _ in range(15):
            for pid, state, no_xact, no_xmin, query in watch.execute(text(RUNNER_BACKENDS)):
                if state == "active":  # the lock session, mid-poll: one autocommit statement
                    assert "pg_try_advisory_lock" in query, query
                else:
                    assert (state, no_xact, no_xmin) == ("idle", True, True), (pid, state, query)
            blockers = watch.execute(text("SELECT pg_blocking_pids(:p)"), {"p": builder}).scalar()
            assert blockers == [holder_pid]  # the build waits for the old snapshot only
            time.sleep(0.1)
        snapshot.rollback()
        rc1, err1 = _finish(first)
        rc2, err2 = _finish(second)
    finally:
        snapshot.close()
        watch.close()
        engine.dispose()
    assert rc1 == 0, err1
    assert rc2 == 0, err2
    assert "already at the target: nothing to do" in err2
    assert current_heads(pg_url) == ["b2"]
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        valid = conn.execute(
            text("SELECT indisvalid FROM pg_index WHERE indexrelid = 'ix_big_v'::regclass")
        ).scalar()
    engine.dispose()
    assert valid is True
