"""Real SIGKILLs of the ``alembic`` console script, then a re-run or a rollback.

* MariaDB, ``safe_rename_column`` (issue 10's "4 of 23 kill points fail"): the
  runner kills itself with SIGKILL at several statements of expand, migrate and
  contract (``ZDM_TEST_KILL_AT=N:when:sigkill``); the re-run must end equal to a
  clean run, and ``rollback`` must give back the original table.
* PostgreSQL, a plain ``op.add_column`` then ``op.add_index_concurrently`` (issue
  10's stuck deploy), and the same with Alembic's own ``op.create_index(...,
  postgresql_concurrently=True)`` in an ``autocommit_block()``: SIGKILL from outside
  while the index build waits for an old snapshot; the dead client's backend goes on
  building. The re-run must end that backend first (no ``tuple concurrently
  updated``), drop the INVALID index it leaves and build it again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from alembic_zdm.phases import commands
from alembic_zdm.testing.project import make_project

from .harness import snapshot
from .scenarios import SETUP, scenarios

ALEMBIC = str(Path(sys.executable).parent / "alembic")


def _alembic(root: Path, *args: str, kill_at: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ZDM_TEST_KILL_AT": kill_at}
    return subprocess.run(
        [ALEMBIC, *args], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )


def _rename(db: str) -> str:
    return next(s.body for s in scenarios(db) if s.op == "safe_rename_column")


@pytest.mark.parametrize("point", ["2:after", "5:before", "9:after", "12:before"])
def test_sigkill_of_a_mariadb_rename_then_rerun_and_rollback(
    point: str, tmp_path: Path, mysql_url: str
) -> None:
    cfg = make_project(tmp_path, mysql_url, [("setup", SETUP), ("op", _rename("mysql"))])
    command.upgrade(cfg, "setup")
    pre = snapshot(mysql_url)
    command.upgrade(cfg, "head")
    ref = snapshot(mysql_url)
    command.downgrade(cfg, "setup")

    killed = _alembic(tmp_path, "upgrade", "head", kill_at=f"{point}:sigkill")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    command.upgrade(cfg, "head")
    assert snapshot(mysql_url) == ref

    command.downgrade(cfg, "setup")
    killed = _alembic(tmp_path, "upgrade", "head", kill_at=f"{point}:sigkill")
    assert killed.returncode == -signal.SIGKILL
    commands.rollback(cfg)
    assert snapshot(mysql_url) == pre


PLAIN = """
def expand():
    op.add_column("t", sa.Column("note", sa.String(50), nullable=True))
    op.add_index_concurrently("ix_t_note", "t", ["note"])

def undo_expand():
    op.drop_index_concurrently("ix_t_note", "t")
    op.drop_column("t", "note")
"""

PLAIN_CREATE_INDEX = """
def expand():
    op.add_column("t", sa.Column("note", sa.String(50), nullable=True))
    with op.get_context().autocommit_block():
        op.create_index("ix_t_note", "t", ["note"], postgresql_concurrently=True)

def undo_expand():
    with op.get_context().autocommit_block():
        op.drop_index("ix_t_note", "t", postgresql_concurrently=True)
    op.drop_column("t", "note")
"""

BUILDING = (
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
    "AND query LIKE 'CREATE INDEX CONCURRENTLY%' AND state = 'active'"
)


@pytest.mark.parametrize("body", [PLAIN, PLAIN_CREATE_INDEX], ids=["zdm-op", "plain-create-index"])
def test_sigkill_during_a_concurrent_build_then_rerun_ends_the_dead_backend(
    body: str, tmp_path: Path, pg_url: str
) -> None:
    """Ending the dead backend leaves its index INVALID: the re-run must build it again
    (a plain ``create_index(postgresql_concurrently=True)`` too, not count it done)."""
    cfg = make_project(tmp_path, pg_url, [("setup", SETUP), ("op", body)])
    command.upgrade(cfg, "setup")
    engine = create_engine(pg_url)
    holder = engine.connect().execution_options(isolation_level="REPEATABLE READ")
    holder.exec_driver_sql("SELECT count(*) FROM p")  # an old snapshot the build waits for
    log = (tmp_path / "killed.log").open("w")
    proc = subprocess.Popen(
        [ALEMBIC, "upgrade", "zdm-phase:1"], cwd=tmp_path, stdout=log, stderr=log
    )
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as watch:
            deadline = time.monotonic() + 60
            while not watch.execute(text(BUILDING)).first():
                ended = proc.poll() is not None or time.monotonic() > deadline
                assert not ended, (tmp_path / "killed.log").read_text()[-3000:]
                time.sleep(0.05)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
            dead = watch.execute(text(BUILDING)).scalars().all()
        assert dead, "the killed client's backend should still be building"

        errors: list[BaseException] = []

        def rerun() -> None:
            try:
                command.upgrade(cfg, "zdm-phase:1")
            except BaseException as exc:
                errors.append(exc)

        worker = threading.Thread(target=rerun)
        worker.start()
        # the old snapshot is still held, so the dead backend cannot finish by itself:
        # only the re-run ending it makes it go
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as watch:
            deadline = time.monotonic() + 30
            alive = "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:p)"
            while watch.execute(text(alive), {"p": dead}).scalar() and time.monotonic() < deadline:
                time.sleep(0.1)
            ended_first = watch.execute(text(alive), {"p": dead}).scalar() == 0
        holder.rollback()  # the snapshot goes away: the re-run's own build can finish
        worker.join(timeout=120)
        assert not worker.is_alive()
        assert errors == []
        with engine.connect() as conn:
            gone = conn.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:p)"), {"p": dead}
            ).scalar()
            valid = conn.execute(
                text("SELECT indisvalid FROM pg_index WHERE indexrelid = 'ix_t_note'::regclass")
            ).scalar()
            status = conn.execute(
                text("SELECT status FROM alembic_zdm_state WHERE revision = 'op' AND phase = 1")
            ).scalar()
        assert ended_first, "the re-run did not end the dead runner's backend"
        assert (gone, valid, status) == (0, True, "done")
    finally:
        if proc.poll() is None:
            proc.kill()
        holder.close()
        engine.dispose()
