"""MySQL/MariaDB: a plain op inside a phase runs under the session lock_wait_timeout
the runner sets for the step, so a long transaction makes each try give up after about
a second instead of queueing the application; MySQL DDL commits by itself, so the
statement that timed out (not the step) is retried, and the last failure names the
holder."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pytest
from alembic import command
from alembic.util import CommandError
from sqlalchemy import create_engine, inspect

from alembic_zdm.testing.load import LockHolder
from alembic_zdm.testing.project import make_project

from .hot import ADD_IN_EXPAND, setup


def test_plain_op_gives_up_after_lock_wait_timeout(tmp_path: Path, mysql_url: str) -> None:
    cfg = make_project(tmp_path, mysql_url, [("setup", setup("mysql")), ("add", ADD_IN_EXPAND)])
    command.upgrade(cfg, "setup")
    cfg.cmd_opts = argparse.Namespace(x=["zdm_retries=2", "zdm_retry_base_ms=200"])
    holder = LockHolder(mysql_url, 10, "hot").hold()  # metadata lock until released
    started = time.monotonic()
    with pytest.raises(CommandError) as err:
        command.upgrade(cfg, "zdm-phase:1")
    waited = time.monotonic() - started
    holder.release()
    assert "Lock wait timeout exceeded" in str(err.value)
    assert str(err.value).startswith("Could not lock table 'hot' for 'ALTER TABLE hot ADD COLUMN")
    assert "after 2 attempts" in str(err.value)
    assert waited < 6.0  # 2 tries of 1 s (500 ms rounded up), not the server's year
    cfg.cmd_opts = None
    engine = create_engine(mysql_url)
    with engine.connect() as conn:
        assert "w" not in {c["name"] for c in inspect(conn).get_columns("hot")}
    engine.dispose()
    command.upgrade(cfg, "head")  # once the transaction is gone, the same command works
    engine = create_engine(mysql_url)
    with engine.connect() as conn:
        assert "w" in {c["name"] for c in inspect(conn).get_columns("hot")}
    engine.dispose()
