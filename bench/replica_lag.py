"""A backfill with a slow streaming replica: the ``replica_lag`` health gate vs no gate.

A real standby (:class:`~alembic_zdm.testing.replica.ReplicaPair`: ``initdb`` +
``pg_basebackup -R``) whose replay is held to a fixed number of WAL bytes per second —
a replica that cannot keep up, as an under-sized or I/O-starved one: a throttler polls
``pg_last_wal_replay_lsn()`` and pauses / resumes replay (``pg_wal_replay_pause()``) as
a token bucket allows. A heartbeat commits on the primary every 100 ms, as a live
application would, so the lag measure (``now() - pg_last_xact_replay_timestamp()``
while received WAL waits to be replayed: the health check's own) stays meaningful.

The same ``op.backfill`` runs twice on a fresh copy of the table: *naive* (no health
check: it writes as fast as the primary allows) and *gated* (``health_checks =
replica_lag`` on the replica, ``health_replica_lag_s`` the bound). A sampler reads the
replica's lag every 50 ms from the start of the backfill until the replica has replayed
all of it; the maximum of each run is the result.
"""

from __future__ import annotations

import dataclasses
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from bench.settings import BenchSettings

if TYPE_CHECKING:
    from bench.targets import Target

LAG_SQL = (
    "SELECT CASE WHEN pg_last_wal_receive_lsn() IS DISTINCT FROM pg_last_wal_replay_lsn() "
    "THEN extract(epoch FROM now() - pg_last_xact_replay_timestamp()) ELSE 0 END"
)
SLACK_S = 1.0
"""How far past the bound the naive run must go for the scenario to count as biting."""

SETUP = """
def upgrade():
    op.create_table("items", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("v", sa.Integer), sa.Column("w", sa.Integer))
    op.execute("INSERT INTO items (id, v) SELECT g, g FROM generate_series(1, {rows}) g")
    op.create_table("heartbeat", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("at", sa.DateTime))
    op.execute("INSERT INTO heartbeat VALUES (1, now())")

def downgrade():
    op.drop_table("heartbeat")
    op.drop_table("items")
"""

BACKFILL = """
def migrate():
    op.backfill("items", set={"w": "v * 2"}, batch_size=1000)
"""
PACING = "backfill_min_batch = 1000\nbackfill_max_batch = 1000\nbackfill_pause_ms = 50\n"
"""The same pacing for both runs (fixed batches, a pause between): only the gate differs."""
RATIO = 1.5
"""The backfill writes WAL this many times faster than the standby may replay it."""


@dataclasses.dataclass(frozen=True)
class LagRun:
    """One backfill: how long it took and the replica's lag while it ran and drained."""

    style: str
    backfill_s: float
    max_lag_s: float
    drained_s: float
    """From the backfill's start until the replica had replayed all of it."""
    wal_bytes: int
    """WAL the primary wrote from the backfill's start to its end."""


@dataclasses.dataclass(frozen=True)
class ReplicaLag:
    """The gated and the naive run of the same backfill against the same slow replica."""

    rows: int
    bound_s: float
    replay_bytes_per_s: int
    naive: LagRun
    gated: LagRun


class _Throttle(threading.Thread):
    """Let the standby replay at most *rate* bytes of WAL per second (a token bucket)."""

    def __init__(self, replica_url: str, rate: int) -> None:
        super().__init__(daemon=True)
        self.engine = sa.create_engine(replica_url, isolation_level="AUTOCOMMIT")
        self.rate = rate
        self.stop = threading.Event()

    def run(self) -> None:
        with self.engine.connect() as conn:

            def pos() -> int:
                query = "SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')"
                return int(conn.execute(sa.text(query)).scalar() or 0)

            last, tokens, paused, tick = pos(), 0.0, False, time.monotonic()
            while not self.stop.wait(0.02):
                now = time.monotonic()
                here = pos()
                tokens = min(tokens + self.rate * (now - tick), self.rate * 0.1) - (here - last)
                last, tick = here, now
                want = tokens <= 0
                if want != paused:
                    fn = "pg_wal_replay_pause" if want else "pg_wal_replay_resume"
                    conn.execute(sa.text(f"SELECT {fn}()"))
                    paused = want
            conn.execute(sa.text("SELECT pg_wal_replay_resume()"))
        self.engine.dispose()


class _Sampler(threading.Thread):
    """The replica's lag every 50 ms, and a heartbeat commit on the primary every 100 ms."""

    def __init__(self, primary_url: str, replica_url: str) -> None:
        super().__init__(daemon=True)
        self.primary = sa.create_engine(primary_url, isolation_level="AUTOCOMMIT")
        self.replica = sa.create_engine(replica_url, isolation_level="AUTOCOMMIT")
        self.lags: list[float] = []
        self.stop = threading.Event()

    def run(self) -> None:
        with self.primary.connect() as p, self.replica.connect() as r:
            beat = 0.0
            while not self.stop.wait(0.05):
                if time.monotonic() - beat >= 0.1:
                    p.execute(sa.text("UPDATE heartbeat SET at = now() WHERE id = 1"))
                    beat = time.monotonic()
                self.lags.append(float(r.execute(sa.text(LAG_SQL)).scalar() or 0.0))
        self.primary.dispose()
        self.replica.dispose()


def _lsn(url: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            query = "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')"
            return int(conn.execute(sa.text(query)).scalar() or 0)
    finally:
        engine.dispose()


def _one(pair: Any, style: str, rows: int, bound_s: float, rate: int | None) -> LagRun:
    from alembic import command

    from alembic_zdm.testing.databases import create_database, drop_database
    from alembic_zdm.testing.project import make_project

    url = create_database(pair.primary_url)
    replica = pair.replica_url.rsplit("/", 1)[0] + "/" + url.rsplit("/", 1)[1]
    root = Path(tempfile.mkdtemp(prefix="zdm-bench-lag-"))
    try:
        cfg = make_project(root, url, [("r0", SETUP.format(rows=rows)), ("r1", BACKFILL)])
        cfg.attributes["configure_logger"] = False
        ini = Path(str(cfg.config_file_name))
        gate = (
            f"health_checks = replica_lag\nreplica_urls = {replica}\n"
            f"health_replica_lag_s = {bound_s}\nhealth_poll_ms = 100\n"
            if style == "gated"
            else ""
        )
        ini.write_text(ini.read_text() + f"\n[alembic_zdm]\n{PACING}{gate}")
        from alembic.config import Config

        cfg = Config(str(ini))
        cfg.attributes["configure_logger"] = False
        command.upgrade(cfg, "r0")
        pair.caught_up(120)
        sampler = _Sampler(url, replica)
        throttle = _Throttle(replica, rate) if rate else None
        sampler.start()
        if throttle is not None:
            throttle.start()
        began, start_lsn = time.monotonic(), _lsn(url)
        try:
            command.upgrade(cfg, "head")
            backfill_s = time.monotonic() - began
            wal = _lsn(url) - start_lsn
            pair.caught_up(600)
            drained_s = time.monotonic() - began
        finally:
            sampler.stop.set()
            sampler.join(10)
            if throttle is not None:
                throttle.stop.set()
                throttle.join(10)
        return LagRun(style, round(backfill_s, 2), round(max(sampler.lags, default=0.0), 2),
                      round(drained_s, 2), wal)  # fmt: skip
    finally:
        drop_database(url)


def run(settings: BenchSettings, log: Callable[[str], None]) -> ReplicaLag | None:
    """Both runs on one fresh primary/standby pair; ``None`` when no pair can be made."""
    from alembic_zdm.testing.replica import ReplicaPair

    rows = 100_000 if settings.quick else 300_000
    bound_s = 0.5
    try:
        pair = ReplicaPair().start()
    except (FileNotFoundError, RuntimeError) as exc:
        log(f"\nreplica lag: skipped, no streaming replica could be made ({exc})")
        return None
    try:
        probe = _one(pair, "probe", rows // 5, bound_s, None)  # the backfill's WAL rate here
        rate = int(probe.wal_bytes / probe.backfill_s / RATIO)
        log(
            f"\nreplica lag: backfill of {rows:,} rows writing "
            f"{probe.wal_bytes / probe.backfill_s / 1e6:.1f} MB/s of WAL; the standby may replay "
            f"{rate / 1e6:.1f} MB/s ({RATIO:g}× slower)"
        )
        naive = _one(pair, "naive", rows, bound_s, rate)
        gated = _one(pair, "gated", rows, bound_s, rate)
    finally:
        pair.stop()
    result = ReplicaLag(rows, bound_s, rate, naive, gated)
    log(f"  max replica lag (bound {bound_s:g} s):  naive {naive.max_lag_s:6.2f} s  |  "
        f"gated {gated.max_lag_s:6.2f} s")  # fmt: skip
    for r in (naive, gated):
        log(
            f"    {r.style:<5} backfill {r.backfill_s:6.2f} s, replica caught up after {r.drained_s:6.2f} s"
        )
    return result


def targets(result: ReplicaLag) -> list[Target]:
    """The gate holds the lag under its bound; without it, the lag grows well past it."""
    from bench.targets import Target

    limit = result.bound_s + SLACK_S
    return [
        Target(
            "replica lag: the gated backfill's max replica lag",
            f"{result.gated.max_lag_s:.2f} s (naive {result.naive.max_lag_s:.2f} s)",
            f"≤ {result.bound_s:g} s (the bound)",
            result.gated.max_lag_s <= result.bound_s,
        ),
        Target(
            "replica lag: the naive backfill lets it grow past the bound (the scenario bites)",
            f"{result.naive.max_lag_s:.2f} s",
            f"> {limit:g} s",
            result.naive.max_lag_s > limit,
        ),
    ]


def markdown(result: ReplicaLag) -> str:
    """The side-by-side table of the report."""
    lines = [
        f"Backfill of {result.rows:,} rows; the standby replays at most "
        f"{result.replay_bytes_per_s / 1e6:.1f} MB/s of WAL ({RATIO:g}× slower than the backfill "
        f"writes it); `health_replica_lag_s = {result.bound_s:g}`.",
        "",
        "| run | max replica lag | backfill | replica caught up after |",
        "| --- | ---: | ---: | ---: |",
    ]
    for r in (result.naive, result.gated):
        gate = "gated (`health_checks = replica_lag`)" if r.style == "gated" else "naive (no gate)"
        lines.append(
            f"| {gate} | {r.max_lag_s:.2f} s | {r.backfill_s:.2f} s | {r.drained_s:.2f} s |"
        )
    return "\n".join(lines)


def from_json(data: dict[str, Any]) -> ReplicaLag:
    """Undo :func:`dataclasses.asdict` (``--render``)."""
    fields = {f.name for f in dataclasses.fields(LagRun)}
    runs = {
        k: LagRun(**{f: v for f, v in data[k].items() if f in fields}) for k in ("naive", "gated")
    }
    return ReplicaLag(data["rows"], data["bound_s"], data["replay_bytes_per_s"], **runs)
