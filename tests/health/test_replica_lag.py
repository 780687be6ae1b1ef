"""A real streaming replica: replay paused mid-backfill throttles it; resumed, it finishes.

The pair (primary + standby made with ``pg_basebackup -R``) is started from the server
binaries on the machine for this module and removed afterwards.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.util import CommandError

from alembic_zdm import events
from alembic_zdm.events import Event
from alembic_zdm.testing.databases import create_database, drop_database
from alembic_zdm.testing.project import make_project
from alembic_zdm.testing.replica import ReplicaPair

from .revisions import backfill, items

ROWS = 6000
ITEMS = items(ROWS)
BACKFILL = backfill(200)


@pytest.fixture(scope="module")
def pair() -> Iterator[ReplicaPair]:
    try:
        replica = ReplicaPair().start()
    except (FileNotFoundError, RuntimeError) as exc:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI=true and no replica could be made: {exc}", pytrace=False)
        pytest.skip(str(exc))
    yield replica
    replica.stop()


def _sql(url: str, statement: str) -> object:
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(statement)).scalar()
    finally:
        engine.dispose()


@pytest.fixture
def project(tmp_path: Path, pair: ReplicaPair) -> Iterator[tuple[Config, str, str]]:
    url = create_database(pair.primary_url)
    replica = pair.replica_url.rsplit("/", 1)[0] + "/" + url.rsplit("/", 1)[1]
    cfg = make_project(tmp_path, url, [("r0", ITEMS), ("r1", BACKFILL)])
    ini = Path(str(cfg.config_file_name))
    settings = (
        "\n[alembic_zdm]\nhealth_checks = replica_lag\n"
        f"replica_urls = {replica}\nhealth_replica_lag_s = 0.3\nhealth_poll_ms = 100\n"
        "backfill_pause_ms = 150\nbackfill_max_batch = 200\nbackfill_min_batch = 50\n"
    )
    yield Config(str(ini)), url, replica, settings, ini  # type: ignore[misc]
    _sql(pair.replica_url, "SELECT pg_wal_replay_resume()")
    drop_database(url)


def _collect(pair: ReplicaPair, resume_after_s: float | None) -> list[Event]:
    """Pause replay at the first batch; resume *resume_after_s* after the throttle."""
    seen: list[Event] = []

    def listener(event: Event) -> None:
        seen.append(event)
        if event.name == "backfill:progress" and sum(e.name == event.name for e in seen) == 1:
            _sql(pair.replica_url, "SELECT pg_wal_replay_pause()")
            seen.append(Event("test:paused", 0.0))
        if event.name == "health:throttle" and resume_after_s is not None:
            threading.Timer(
                resume_after_s, _sql, (pair.replica_url, "SELECT pg_wal_replay_resume()")
            ).start()

    events.add_listener(listener)
    seen.append(Event("test:listener", 0.0, data={"fn": listener}))
    return seen


def _stop(seen: list[Event]) -> None:
    events.remove_listener(seen[0].data["fn"])


def test_paused_replay_throttles_the_backfill_and_resume_finishes_it(
    project: tuple[Config, str, str, str, Path], pair: ReplicaPair
) -> None:
    cfg, url, _replica, settings, ini = project  # type: ignore[misc]
    command.upgrade(cfg, "zdm-phase:1")
    pair.caught_up()  # the new database exists on the standby before the gate looks
    ini.write_text(ini.read_text() + settings)
    seen = _collect(pair, resume_after_s=1.5)
    try:
        command.upgrade(Config(str(ini)), "head")
    finally:
        _stop(seen)
    names = [e.name for e in seen]
    paused_at, throttled_at = names.index("test:paused"), names.index("health:throttle")
    # after replay paused, at most one more batch committed before the gate held the run
    assert names[paused_at:throttled_at].count("backfill:progress") <= 1, names
    throttle = seen[throttled_at]
    assert throttle.data["check"] == "replica_lag" and "replication lag" in (throttle.reason or "")
    # held as soon as replay is seen not advancing with WAL waiting, before the bound
    assert "received and not being replayed" in (throttle.reason or "")
    assert float(throttle.data["value"]) > 0
    assert "on replica postgresql" in (throttle.reason or "")
    progress = [e for e in seen if e.name == "backfill:progress"]
    assert progress[-1].data["done"] is True and progress[-1].rows == ROWS
    assert _sql(url, "SELECT count(*) FROM items WHERE w IS DISTINCT FROM v * 2") == 0


def test_lag_held_past_the_max_wait_aborts_cleanly(
    project: tuple[Config, str, str, str, Path], pair: ReplicaPair
) -> None:
    cfg, url, _replica, settings, ini = project  # type: ignore[misc]
    command.upgrade(cfg, "zdm-phase:1")
    pair.caught_up()  # the new database exists on the standby before the gate looks
    ini.write_text(ini.read_text() + settings + "health_max_wait_s = 1\n")
    seen = _collect(pair, resume_after_s=None)
    try:
        with pytest.raises(CommandError) as info:
            command.upgrade(Config(str(ini)), "head")
    finally:
        _stop(seen)
    text = str(info.value)
    assert "The health check replica_lag kept the run throttled" in text
    assert "rows done so far are committed; the re-run resumes after them" in text
    assert [e.name for e in seen if e.name.startswith("health:")] == [
        "health:throttle",
        "health:abort",
    ]
    done = _sql(url, "SELECT count(*) FROM items WHERE w IS NOT NULL")
    assert 0 < int(done) < ROWS  # type: ignore[call-overload]
    status = _sql(
        url, "SELECT status FROM alembic_zdm_state WHERE revision = 'r1' AND phase_name = 'migrate'"
    )
    assert status == "partial"  # the batches before the abort stay committed, and say so
    # healthy again: the same command finishes from the checkpoint
    _sql(pair.replica_url, "SELECT pg_wal_replay_resume()")
    command.upgrade(Config(str(ini)), "head")
    assert _sql(url, "SELECT count(*) FROM items WHERE w IS DISTINCT FROM v * 2") == 0
