"""Health gates with real sessions: lock waiters, user callables, connections (DESIGN §13)."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.util import CommandError

from alembic_zdm import events
from alembic_zdm.config import ZdmSettings
from alembic_zdm.events import Event
from alembic_zdm.health import HealthGate
from alembic_zdm.testing.project import make_project

from .revisions import backfill, items

ITEMS = items(3000)
BACKFILL = backfill(500)


def _project(root: Path, url: str, settings: str) -> Config:
    cfg = make_project(root, url, [("r0", ITEMS), ("r1", BACKFILL)])
    ini = Path(str(cfg.config_file_name))
    ini.write_text(ini.read_text() + "\n[alembic_zdm]\n" + settings)
    return Config(str(ini))


def test_lock_waiters_counts_sessions_queued_behind_the_migration(pg_url: str) -> None:
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (id int)"))
    migration = engine.connect()
    migration.execute(sa.text("LOCK TABLE t IN ACCESS EXCLUSIVE MODE"))
    gate = HealthGate(ZdmSettings(health_checks=("lock_waiters",)), migration)
    assert gate.check().state == "ok"

    def reader() -> None:
        with engine.connect() as other:
            other.execute(sa.text("SELECT count(*) FROM t"))

    waiter = threading.Thread(target=reader)
    waiter.start()
    try:
        for _ in range(50):
            verdict = gate.check()
            if verdict.state != "ok":
                break
            time.sleep(0.05)
        assert (verdict.state, verdict.check, verdict.value) == ("throttle", "lock_waiters", 1)
        assert "1 session(s) wait for the migration's locks" in str(verdict)
    finally:
        migration.rollback()
        waiter.join()
        migration.close()
        gate.close()
    assert gate.check().state == "ok"
    engine.dispose()


def test_connections_check_reads_the_servers_limit(pg_url: str) -> None:
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        (ok,) = HealthGate(ZdmSettings(health_checks=("connections",)), conn).verdicts()
        full = HealthGate(
            ZdmSettings(health_checks=("connections",), health_connections_pct=0.0), conn
        ).check()
    engine.dispose()
    assert ok.state == "ok" and ok.value is not None and 0 < ok.value < 90
    assert full.state == "throttle" and "of max_connections in use" in str(full)


@pytest.fixture
def health_module(tmp_path: Path) -> object:
    module = tmp_path / "zdm_health_mod.py"
    module.write_text(
        "answers = []\n"
        "calls = 0\n"
        "def check(ctx):\n"
        "    global calls\n"
        "    calls += 1\n"
        "    return answers.pop(0) if answers else 'ok'\n"
    )
    sys.path.insert(0, str(tmp_path))
    import zdm_health_mod  # type: ignore[import-not-found]

    yield zdm_health_mod
    sys.path.remove(str(tmp_path))
    sys.modules.pop("zdm_health_mod", None)


def _collect() -> list[Event]:
    seen: list[Event] = []
    events.add_listener(seen.append)
    return seen


def test_callable_throttle_pauses_the_backfill_then_it_finishes(
    tmp_path: Path, pg_url: str, health_module: object
) -> None:
    cfg = _project(tmp_path, pg_url, "health_checks = zdm_health_mod:check\nhealth_poll_ms = 50\n")
    command.upgrade(cfg, "zdm-phase:1")
    seen = _collect()
    try:
        # ok before the step, then throttle three times after the first batch
        health_module.answers[:] = ["ok", "throttle", "throttle", ("throttle", "error rate 7 %")]  # type: ignore[attr-defined]
        command.upgrade(cfg, "head")
    finally:
        events.remove_listener(seen.append)
    names = [e.name for e in seen]
    throttle = [e for e in seen if e.name == "health:throttle"]
    assert len(throttle) == 1, names  # one event per throttled episode
    assert throttle[0].data["check"] == "zdm_health_mod:check"
    assert "next batch of the backfill of items" in throttle[0].data["where"]
    progress = [e for e in seen if e.name == "backfill:progress"]
    # the pause came after the first batch, and the run went on to the end
    assert names.index("health:throttle") > names.index("backfill:progress")
    assert progress[-1].rows == 3000 and progress[-1].data["done"] is True
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM items WHERE w = v * 2")).scalar() == 3000
    engine.dispose()


def test_callable_abort_stops_before_the_step_and_says_which_check(
    tmp_path: Path, pg_url: str, health_module: object
) -> None:
    cfg = _project(tmp_path, pg_url, "health_checks = zdm_health_mod:check\n")
    command.upgrade(cfg, "r0")
    health_module.answers[:] = [("abort", "error rate 12 %")]  # type: ignore[attr-defined]
    seen = _collect()
    try:
        with pytest.raises(CommandError) as info:
            command.upgrade(cfg, "zdm-phase:1")
    finally:
        events.remove_listener(seen.append)
    text = str(info.value)
    assert "The health check zdm_health_mod:check said abort: error rate 12 %" in text
    assert "stopped before the expand of r1" in text and "nothing of it ran" in text
    assert [e.name for e in seen if e.name.startswith("health")] == ["health:abort"]
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        status, error = conn.execute(
            sa.text("SELECT status, error FROM alembic_zdm_state WHERE revision = 'r1'")
        ).one()
        columns = {c["name"] for c in sa.inspect(conn).get_columns("items")}
    engine.dispose()
    assert status == "failed" and "error rate 12 %" in error
    assert "w" not in columns


def test_throttle_past_the_max_wait_aborts(
    tmp_path: Path, pg_url: str, health_module: object
) -> None:
    cfg = _project(
        tmp_path,
        pg_url,
        "health_checks = zdm_health_mod:check\nhealth_poll_ms = 50\nhealth_max_wait_s = 0.5\n",
    )
    command.upgrade(cfg, "zdm-phase:1")
    health_module.answers[:] = ["ok"] + ["throttle"] * 1000  # type: ignore[attr-defined]
    with pytest.raises(
        CommandError, match=r"kept the run throttled for \d+ s \(health_max_wait_s 0.5\)"
    ):
        command.upgrade(cfg, "head")
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        done = conn.execute(sa.text("SELECT count(*) FROM items WHERE w IS NOT NULL")).scalar()
    engine.dispose()
    assert done == 500  # one batch committed before the gate held it; the re-run resumes
