"""A backfill killed with SIGKILL mid-way resumes from the checkpoint the runner keeps in
the state table, and ends with the same content as one UPDATE, each row updated once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, inspect, text

from alembic_zdm.testing.project import make_project

ROWS = 200_000
MAX_BATCH = 2_000

SETUP = f"""
def upgrade():
    op.execute("CREATE TABLE big (id bigserial PRIMARY KEY, v integer NOT NULL, w integer)")
    op.execute("INSERT INTO big (v) SELECT g % 1000 FROM generate_series(1, {ROWS}) g")
    op.execute("CREATE TABLE big_updates (n bigint NOT NULL)")
    op.execute("INSERT INTO big_updates VALUES (0)")
    op.execute(
        "CREATE FUNCTION count_update() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN UPDATE big_updates SET n = n + 1; RETURN NEW; END $$"
    )
    op.execute(
        "CREATE TRIGGER big_count AFTER UPDATE ON big FOR EACH ROW EXECUTE FUNCTION count_update()"
    )

def downgrade():
    op.execute("DROP TABLE big")
"""

BACKFILL = """
def expand():
    pass

def migrate():
    op.backfill("big", set={"w": "v * 2"})
"""


def _state(url: str) -> tuple[str | None, dict[str, object]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_zdm_state"):
                return None, {}
            row = conn.execute(
                text(
                    "SELECT status, checkpoint FROM alembic_zdm_state WHERE revision='fill' AND phase=2"
                )
            ).first()
    finally:
        engine.dispose()
    if row is None:
        return None, {}
    return row[0], json.loads(row[1]) if row[1] else {}


def test_backfill_killed_mid_way_resumes_from_checkpoint(tmp_path: Path, pg_url: str) -> None:
    make_project(tmp_path, pg_url, [("setup", SETUP), ("fill", BACKFILL)])
    alembic = str(Path(sys.executable).parent / "alembic")
    slow = ["-x", "zdm_backfill_pause_ms=20", "-x", f"zdm_backfill_max_batch={MAX_BATCH}"]
    proc = subprocess.Popen(
        [alembic, *slow, "upgrade", "zdm-phase:2"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            status, checkpoint = _state(pg_url)
            if status == "running" and any(v for v in checkpoint.values()):
                break
            assert proc.poll() is None, "the backfill finished before it could be killed"
            time.sleep(0.05)
        time.sleep(0.3)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()

    status, checkpoint = _state(pg_url)
    assert status == "running"  # what a killed run leaves behind
    assert checkpoint, "no checkpoint was saved"
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        done_before = conn.execute(text("SELECT count(*) FROM big WHERE w IS NOT NULL")).scalar()
    assert 0 < done_before < ROWS

    rerun = subprocess.run(
        [alembic, "upgrade", "head"], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert rerun.returncode == 0, rerun.stderr
    with engine.connect() as conn:
        wrong = conn.execute(
            text("SELECT count(*) FROM big WHERE w IS DISTINCT FROM v * 2")
        ).scalar()
        updates = conn.execute(text("SELECT n FROM big_updates")).scalar()
        attempts = conn.execute(
            text("SELECT status, attempts FROM alembic_zdm_state WHERE revision='fill' AND phase=2")
        ).one()
    engine.dispose()
    assert wrong == 0
    # resumed, not restarted: every row updated once, at most one batch twice
    assert ROWS <= updates <= ROWS + MAX_BATCH
    assert tuple(attempts) == ("done", 2)
