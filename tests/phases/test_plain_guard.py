"""Plain revisions run by ``alembic upgrade head`` are guarded once the plugin is installed
(DESIGN §13): the lock timeout, retries of the whole revision, the user's own timeout
kept, CONCURRENTLY keeping its class, and a final error that names the blocker."""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.util import CommandError

from alembic_zdm.testing.load import LockHolder
from alembic_zdm.testing.project import make_project

from .hot import add_recording, setup

SETUP = setup()
ADD = add_recording("current_setting('lock_timeout')")


def _project(tmp_path: Path, url: str, *x: str, extra: str = "") -> Any:
    cfg = make_project(tmp_path, url, [("setup", SETUP), ("add", ADD)], configure_extra=extra)
    command.upgrade(cfg, "setup")
    cfg.cmd_opts = argparse.Namespace(x=["zdm_lock_timeout_ms=300", "zdm_retry_base_ms=100", *x])
    return cfg


def _blocked(url: str, seconds: float) -> LockHolder:
    """An idle transaction that has read ``hot`` (ACCESS SHARE) for *seconds*."""
    return LockHolder(url, seconds, "hot").hold()


@pytest.mark.postgresql
def test_plain_revision_retries_and_names_the_blocker(
    tmp_path: Path, pg_url: str, sql, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _project(tmp_path, pg_url, "zdm_retries=30", "zdm_retry_cap_ms=400")
    blocker = _blocked(pg_url, 2.0)
    started = time.monotonic()
    command.upgrade(cfg, "head")
    elapsed = time.monotonic() - started
    blocker.join(10)
    err = capsys.readouterr().err
    assert elapsed > 1.5, "the revision should have had to wait for the blocker"
    assert re.search(
        rf"Revision add \(add\) waited for 'hot' \(blocked by [^\n]*pid {blocker.pid} \(idle in tr",
        err,
    )
    assert "rolled back (every lock released)" in err
    assert sql("SELECT v FROM seen") == [("300ms",)]
    assert sql("SELECT version_num FROM alembic_version") == [("add",)]


@pytest.mark.postgresql
def test_final_error_of_a_plain_revision_names_the_blocking_session(
    tmp_path: Path, pg_url: str, sql
) -> None:
    cfg = _project(tmp_path, pg_url, "zdm_retries=2")
    blocker = _blocked(pg_url, 4.0)
    with pytest.raises(CommandError) as err:
        command.upgrade(cfg, "head")
    blocker.join(10)
    message = str(err.value)
    assert message.startswith(
        "Could not lock table 'hot' for 'ALTER TABLE hot ADD COLUMN w INTEGER'"
    )
    assert "canceling statement due to lock timeout" in message
    assert f"blocking sessions: pid {blocker.pid} (idle in transaction for " in message
    assert 'holds AccessShareLock: "SELECT count(*) FROM hot")' in message
    assert err.value.blockers[0].startswith(f"pid {blocker.pid} ")  # type: ignore[attr-defined]
    assert sql("SELECT version_num FROM alembic_version") == [("setup",)]
    assert sql("SELECT count(*) FROM information_schema.columns WHERE column_name = 'w'") == [(0,)]


@pytest.mark.postgresql
def test_the_users_own_lock_timeout_is_kept(tmp_path: Path, pg_url: str, sql) -> None:
    url = (
        sa.make_url(pg_url)
        .update_query_dict({"options": "-c lock_timeout=1234"})
        .render_as_string(hide_password=False)
    )
    cfg = _project(tmp_path, url)
    command.upgrade(cfg, "head")
    assert sql("SELECT v FROM seen") == [("1234ms",)]


@pytest.mark.postgresql
def test_guard_plain_revisions_false_leaves_alembic_alone(tmp_path: Path, pg_url: str, sql) -> None:
    cfg = _project(tmp_path, pg_url, "zdm_guard_plain_revisions=false")
    command.upgrade(cfg, "head")
    assert sql("SELECT v FROM seen") == [("0",)]


@pytest.mark.postgresql
def test_each_revision_of_a_per_migration_project_is_guarded(
    tmp_path: Path, pg_url: str, sql
) -> None:
    cfg = _project(tmp_path, pg_url, extra=", transaction_per_migration=True")
    command.upgrade(cfg, "head")
    assert sql("SELECT v FROM seen") == [("300ms",)]


@pytest.mark.postgresql
def test_a_shared_transaction_is_rolled_back_whole_and_run_again(
    tmp_path: Path, pg_url: str, sql, capsys: pytest.CaptureFixture[str]
) -> None:
    """One transaction for all revisions (Alembic's default): when the later revision
    times out on ``hot``, the earlier one's ACCESS EXCLUSIVE on ``cold`` must not be kept
    while the run waits. The whole transaction is rolled back (every lock released) and
    the run starts again from the version table, until ``hot`` is free: writers on
    ``cold`` wait at most about one lock timeout, and both revisions end applied once."""
    from alembic_zdm.testing.load import StatementWriter

    first = """
def upgrade():
    op.execute("ALTER TABLE cold ADD COLUMN x int")

def downgrade():
    pass
"""
    cfg = make_project(tmp_path, pg_url, [("setup", SETUP), ("first", first), ("add", ADD)])
    sql("CREATE TABLE cold (id int)")
    command.upgrade(cfg, "setup")
    cfg.cmd_opts = argparse.Namespace(
        x=["zdm_lock_timeout_ms=300", "zdm_retry_base_ms=100", "zdm_retries=30"]
    )
    writer = StatementWriter(pg_url, "INSERT INTO cold (id) VALUES (1)", name="cold", pause_s=0.02)
    writer.start()
    blocker = _blocked(pg_url, 2.5)
    started = time.monotonic()
    try:
        command.upgrade(cfg, "head")
    finally:
        writer.stop()
        writer.join(10)
    elapsed = time.monotonic() - started
    blocker.join(10)
    err = capsys.readouterr().err
    assert elapsed > 1.5, "the run should have had to wait for the blocker"
    assert "rolled back (every lock released)" in err
    assert writer.errors == []
    assert writer.max_latency_ms < 300 + 250, writer.max_latency_ms  # ~ one lock timeout
    assert sql("SELECT version_num FROM alembic_version") == [("add",)]
    assert sql("SELECT count(*) FROM information_schema.columns WHERE column_name = 'x'") == [(1,)]
    assert sql("SELECT v FROM seen") == [("300ms",)]  # the revision ran (and committed) once


@pytest.mark.postgresql
@pytest.mark.parametrize("per_migration", [False, True])
def test_first_upgrade_of_a_fresh_database_is_retried(
    tmp_path: Path, pg_url: str, sql, per_migration: bool
) -> None:
    """Creating ``alembic_version`` holds ACCESS EXCLUSIVE on it until the transaction
    ends; that blocks no application, so it must not stop the retries."""
    sql("CREATE TABLE hot (id serial PRIMARY KEY, v int)")
    extra = ", transaction_per_migration=True" if per_migration else ""
    cfg = make_project(tmp_path, pg_url, [("add", ADD)], configure_extra=extra)
    cfg.cmd_opts = argparse.Namespace(
        x=["zdm_lock_timeout_ms=300", "zdm_retry_base_ms=100", "zdm_retries=30"]
    )
    blocker = _blocked(pg_url, 1.5)
    command.upgrade(cfg, "head")
    blocker.join(10)
    assert sql("SELECT version_num FROM alembic_version") == [("add",)]
    assert sql("SELECT v FROM seen") == [("300ms",)]
