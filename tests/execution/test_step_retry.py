"""A step never keeps its locks while waiting for another one (DESIGN §13, issue 10).

A phase step ``op.add_column("t", …)`` then ``op.add_foreign_key_safe(t → p)`` while an
idle transaction has written to ``p``: the step must not keep ACCESS EXCLUSIVE on
``t`` while it waits for ``p``. A third session polls ``pg_locks`` of the migration's
backend (found by its ``application_name``) throughout and proves it structurally;
writers on ``t`` keep completing while ``p`` is blocked. Latency numbers are in
``make bench`` (``fk_two_tables``), not here.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from alembic_zdm.testing.load import LockHolder, LockWatcher, StatementWriter, running
from alembic_zdm.testing.project import make_project

APP = "zdm_step_retry_test"
LOCK_TIMEOUT_MS = 1000

SETUP = """
def upgrade():
    op.execute("CREATE TABLE p (id serial PRIMARY KEY, v int)")
    op.execute("INSERT INTO p (v) SELECT g FROM generate_series(1, 100) g")
    op.execute("CREATE TABLE t (id serial PRIMARY KEY, p_id int)")

def downgrade():
    op.execute("DROP TABLE t")
    op.execute("DROP TABLE p")
"""

STEP = """
def expand():
    op.add_column("t", sa.Column("note", sa.Text(), nullable=True))
    op.add_foreign_key_safe("fk_t_p", "t", "p", ["p_id"], ["id"])

def undo_expand():
    op.drop_constraint("fk_t_p", "t")
    op.drop_column("t", "note")
"""


def _project(tmp_path: Path, pg_url: str, lock_timeout_ms: int) -> object:
    url = (
        sa.make_url(pg_url)
        .update_query_dict({"application_name": APP})
        .render_as_string(hide_password=False)
    )
    cfg = make_project(tmp_path, url, [("setup", SETUP), ("step", STEP)])
    command.upgrade(cfg, "setup")
    cfg.cmd_opts = argparse.Namespace(
        x=[
            f"zdm_lock_timeout_ms={lock_timeout_ms}",
            "zdm_retries=30",
            "zdm_retry_base_ms=100",
            "zdm_retry_cap_ms=400",
        ]
    )
    return cfg


def _run(tmp_path: Path, pg_url: str, blocked: str, seconds: float, lock_timeout_ms: int):
    cfg = _project(tmp_path, pg_url, lock_timeout_ms)
    writer = StatementWriter(pg_url, "INSERT INTO t (p_id) VALUES (NULL)")
    watcher = LockWatcher(pg_url, APP, ["t", "p"])
    # on p: a write (ROW EXCLUSIVE, which the FK's SHARE ROW EXCLUSIVE waits for); on t: a read
    write = "UPDATE p SET v = v + 1 WHERE id = 1" if blocked == "p" else None
    holder = LockHolder(pg_url, seconds, blocked, sql=write)
    with running(writer, watcher):
        holder.hold()
        command.upgrade(cfg, "zdm-phase:1")  # type: ignore[arg-type]
        holder.join(15)
    return writer, watcher, holder


@pytest.mark.postgresql
def test_no_lock_on_t_is_held_while_waiting_for_p(
    tmp_path: Path, pg_url: str, sql, capsys: pytest.CaptureFixture[str]
) -> None:
    writer, watcher, holder = _run(tmp_path, pg_url, "p", seconds=3.0, lock_timeout_ms=2000)
    err = capsys.readouterr().err

    # (whether it waits for p at all depends on timing: a holder older than the lock
    # timeout is waited for without trying; the log below shows the scenario happened)
    holding_t = [s for s in watcher.waiting_on("p") if s.get("t")]
    assert holding_t == [], f"waited for p while holding locks on t: {holding_t[:3]}"
    # writers on t went on while p was blocked (the old behaviour stalled them throughout)
    assert writer.errors == []
    assert writer.completed_between(holder.began + 0.5, holder.ended - 0.3) > 10
    # the log names the table actually waited for and the session in the way
    assert re.search(
        rf"waited for 'p' \(blocked by [^\n]*pid {holder.pid} \(idle in transaction", err
    )
    assert "while holding write-blocking locks on t" in err
    assert sql(
        "SELECT count(*) FROM pg_constraint WHERE conname = 'fk_t_p' AND NOT convalidated"
    ) == [(1,)]
    assert sql("SELECT count(*) FROM information_schema.columns WHERE column_name = 'note'") == [
        (1,)
    ]


@pytest.mark.postgresql
def test_blocker_on_the_first_table_is_named_and_waited_out(
    tmp_path: Path, pg_url: str, sql, capsys: pytest.CaptureFixture[str]
) -> None:
    writer, watcher, holder = _run(
        tmp_path, pg_url, "t", seconds=2.5, lock_timeout_ms=LOCK_TIMEOUT_MS
    )
    err = capsys.readouterr().err

    assert watcher.waiting_on("t"), "the migration never waited for t"
    assert [s for s in watcher.waiting_on("t") if s.get("p")] == []
    assert writer.errors == []
    # each try queues writers on t for at most one lock timeout, then lets them through
    assert writer.completed_between(holder.began + 0.2, holder.ended - 0.2) > 0
    assert re.search(
        rf"waited for 't' \(blocked by [^\n]*pid {holder.pid} \(idle in transaction", err
    )
    assert sql("SELECT count(*) FROM pg_constraint WHERE conname = 'fk_t_p'") == [(1,)]
