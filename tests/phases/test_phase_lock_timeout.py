"""Plain Alembic ops inside a phase run under the DDL lock timeout: a long transaction
on the table makes the step give up and retry instead of queueing the application."""

from __future__ import annotations

import argparse
import io
import time
from pathlib import Path

import pytest
from alembic import command
from alembic.util import CommandError
from sqlalchemy import create_engine, inspect, text

from alembic_zdm.testing.load import LockHolder, StatementWriter
from alembic_zdm.testing.project import make_project

from .hot import ADD_IN_EXPAND, setup

LOCK_TIMEOUT_MS = 300


def _writer(url: str) -> StatementWriter:
    writer = StatementWriter(url, "INSERT INTO hot (v) VALUES (1)")
    writer.start()
    return writer


def _blocker(url: str, seconds: float) -> LockHolder:
    """An idle transaction that read ``hot`` (ACCESS SHARE until it ends)."""
    return LockHolder(url, seconds, "hot").hold()


def _config(tmp_path: Path, url: str, retries: int) -> object:
    cfg = make_project(tmp_path, url, [("setup", setup()), ("add", ADD_IN_EXPAND)])
    command.upgrade(cfg, "setup")
    cfg.cmd_opts = argparse.Namespace(
        x=[
            f"zdm_lock_timeout_ms={LOCK_TIMEOUT_MS}",
            f"zdm_retries={retries}",
            "zdm_retry_base_ms=200",
        ]
    )
    return cfg


def test_plain_op_waits_in_short_tries_and_succeeds_after_blocker(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _config(tmp_path, pg_url, retries=20)
    writer = _writer(pg_url)
    blocker = _blocker(pg_url, 2.0)
    began = time.monotonic()
    command.upgrade(cfg, "zdm-phase:1")  # type: ignore[arg-type]
    blocker.join()
    writer.stop()
    assert writer.errors == []
    # writers went on between the short tries (without the lock timeout the first try
    # would queue them until the blocker ends); worst latency is measured by make bench
    assert writer.completed_between(began + 0.2, began + 1.6) > 0
    err = capsys.readouterr().err
    assert "The expand of add (add) waited for 'hot' (blocked by pid " in err
    assert "rolled back (every lock released), retrying in" in err
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        assert "w" in {c["name"] for c in inspect(conn).get_columns("hot")}
    engine.dispose()


def test_plain_op_fails_clearly_when_blocker_outlasts_retries(tmp_path: Path, pg_url: str) -> None:
    cfg = _config(tmp_path, pg_url, retries=2)
    writer = _writer(pg_url)
    blocker = _blocker(pg_url, 3.0)
    with pytest.raises(CommandError) as err:
        command.upgrade(cfg, "zdm-phase:1")  # type: ignore[arg-type]
    writer.stop()
    blocker.join()
    assert "The expand of add (add) failed and was rolled back" in str(err.value)
    assert "lock timeout" in str(err.value)
    assert writer.errors == []
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        assert "w" not in {c["name"] for c in inspect(conn).get_columns("hot")}
        status = conn.execute(
            text("SELECT status FROM alembic_zdm_state WHERE revision = 'add'")
        ).scalar()
    engine.dispose()
    assert status == "failed"


def test_offline_phase_sets_the_lock_timeout(tmp_path: Path) -> None:
    cfg = make_project(
        tmp_path, "postgresql://offline/none", [("setup", setup()), ("add", ADD_IN_EXPAND)]
    )
    buf = io.StringIO()
    cfg.output_buffer = buf
    command.upgrade(cfg, "zdm-phase:1", sql=True)
    out = buf.getvalue()
    expand = out[out.index("running expand of add") :]
    assert expand.index("SET LOCAL lock_timeout = '500ms'") < expand.index(
        "ALTER TABLE hot ADD COLUMN w INTEGER"
    )
