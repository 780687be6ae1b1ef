"""Only one runner per database: a second one waits a bounded time, then is told who holds it."""

from __future__ import annotations

import fcntl
import time
from pathlib import Path

import pytest
from alembic import command
from alembic.util import CommandError
from sqlalchemy import create_engine, text

from alembic_zdm.phases.lock import PG_LOCK_KEY, mysql_lock_name

from .conftest import log_entries, three_phased_project


def _assert_blocked(cfg: object, started: float, holder_hint: str) -> None:
    with pytest.raises(CommandError) as err:
        command.upgrade(cfg, "zdm-phase:1")  # type: ignore[arg-type]
    waited = time.monotonic() - started
    message = str(err.value)
    assert "Another migration runner" in message
    assert holder_hint in message
    assert "waited 1 s" in message
    assert 0.9 <= waited < 10


def test_postgresql_advisory_lock_blocks_second_runner(tmp_path: Path, pg_url: str) -> None:
    cfg = three_phased_project(tmp_path, pg_url)
    cfg.cmd_opts = __import__("argparse").Namespace(x=["zdm_runner_lock_wait_s=1"])
    engine = create_engine(pg_url)
    with engine.connect() as holder:
        holder.execute(text("SELECT pg_advisory_lock(:k)"), {"k": PG_LOCK_KEY})
        pid = holder.execute(text("SELECT pg_backend_pid()")).scalar()
        holder.commit()
        _assert_blocked(cfg, time.monotonic(), f"pid {pid}")
        holder.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_LOCK_KEY})
        holder.commit()
    engine.dispose()
    # nothing ran while blocked, and it runs once the lock is free
    command.upgrade(cfg, "zdm-phase:1")
    assert log_entries(pg_url) == ["r1:expand", "r2:expand", "r3:expand"]


def test_mysql_get_lock_blocks_second_runner(tmp_path: Path, mysql_url: str) -> None:
    cfg = three_phased_project(tmp_path, mysql_url)
    cfg.cmd_opts = __import__("argparse").Namespace(x=["zdm_runner_lock_wait_s=1"])
    engine = create_engine(mysql_url)
    name = mysql_lock_name(engine.url.database)
    with engine.connect() as holder:
        assert holder.execute(text("SELECT GET_LOCK(:n, 0)"), {"n": name}).scalar() == 1
        conn_id = holder.execute(text("SELECT CONNECTION_ID()")).scalar()
        _assert_blocked(cfg, time.monotonic(), f"connection id {conn_id}")
        holder.execute(text("SELECT RELEASE_LOCK(:n)"), {"n": name})
    engine.dispose()
    command.upgrade(cfg, "zdm-phase:1")
    assert log_entries(mysql_url) == ["r1:expand", "r2:expand", "r3:expand"]


def test_sqlite_lock_file_blocks_second_runner(tmp_path: Path, sqlite_url: str) -> None:
    cfg = three_phased_project(tmp_path, sqlite_url)
    cfg.cmd_opts = __import__("argparse").Namespace(x=["zdm_runner_lock_wait_s=1"])
    db_path = sqlite_url.removeprefix("sqlite:///")
    with open(f"{db_path}.zdm-lock", "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        _assert_blocked(cfg, time.monotonic(), "test.db.zdm-lock")
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    command.upgrade(cfg, "zdm-phase:1")
    assert log_entries(sqlite_url) == ["r1:expand", "r2:expand", "r3:expand"]


def test_external_transaction_is_left_open_and_said(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """env.py ran a statement before configure(): that transaction is the caller's, not ours."""
    cfg = three_phased_project(tmp_path, pg_url)
    env_py = tmp_path / "migrations" / "env.py"
    env_py.write_text(
        env_py.read_text()
        .replace(
            "        context.configure(",
            "        connection.exec_driver_sql('SET statement_timeout = 60000')\n"
            "        context.configure(",
        )
        .replace(
            "    connectable.dispose()", "        connection.commit()\n    connectable.dispose()"
        )
    )
    cfg.cmd_opts = __import__("argparse").Namespace(x=["zdm_runner_lock_wait_s=1"])
    engine = create_engine(pg_url)
    with engine.connect() as holder:
        holder.execute(text("SELECT pg_advisory_lock(:k)"), {"k": PG_LOCK_KEY})
        holder.commit()
        with pytest.raises(CommandError, match="Another migration runner"):
            command.upgrade(cfg, "zdm-phase:1")
        holder.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_LOCK_KEY})
        holder.commit()
    engine.dispose()
    err = capsys.readouterr().err
    assert "inside a transaction env.py began itself (before context.configure()" in err
    assert "leaves open" in err
    command.upgrade(cfg, "zdm-phase:1")
    assert log_entries(pg_url) == ["r1:expand", "r2:expand", "r3:expand"]
