"""Two runners at once: does a waiting runner slow the first one's concurrent index build?

``CREATE INDEX CONCURRENTLY`` waits for every transaction older than its snapshot, in
the whole database. A second ``alembic upgrade head`` that waited for the runner lock
inside a transaction would stretch the first runner's build for as long as it waits.
Each repetition builds the same index on a fresh copy of the seeded table, through the
real ``alembic`` console script, once alone and once with a second runner started as
soon as the first holds the runner lock (the two alternate, so machine noise falls on
both). The duration is the expand step's, as the first runner records it in the state
table. The second runner must wait and then find nothing to do.
"""

from __future__ import annotations

import dataclasses
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bench.database import SeededServer, connect, sqlalchemy_url
from bench.migrations import URL_ENV, AlembicProject
from bench.settings import BenchSettings

if TYPE_CHECKING:
    from bench.targets import Target

NOISE_RATIO = 1.2
"""A build more than 20 % slower with a waiter than alone is more than this machine's noise."""
ALEMBIC = str(Path(sys.executable).parent / "alembic")
NOTHING_TO_DO = "nothing to do"
HELD = (
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %s AND granted "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


@dataclasses.dataclass(frozen=True)
class TwoRunners:
    """Build durations (seconds) of the first runner, alone and with a second one waiting."""

    alone_s: list[float]
    with_waiter_s: list[float]
    waiter_outcomes: list[str]
    """What each second runner said at the end (``nothing to do`` when it behaved)."""

    @property
    def ratio(self) -> float:
        """Median with a waiter / median alone."""
        alone = statistics.median(self.alone_s) if self.alone_s else 0.0
        return round(statistics.median(self.with_waiter_s) / alone, 3) if alone else 0.0

    @property
    def waiters_ok(self) -> bool:
        """Every second runner waited and then found nothing to do."""
        return bool(self.waiter_outcomes) and all(o == NOTHING_TO_DO for o in self.waiter_outcomes)


def _project(folder: Path) -> AlembicProject:
    project = AlembicProject(folder)
    project.add_revision(
        "cic1",
        "index items (account_id, qty) concurrently",
        {
            "expand": 'op.add_index_concurrently("ix_bench_items_acct_qty", "items", '
            '["account_id", "qty"])',
            "undo_expand": 'op.drop_index_concurrently("ix_bench_items_acct_qty", "items")',
        },
    )
    return project


def _start(project: AlembicProject, url: str) -> subprocess.Popen[str]:
    env = dict(os.environ)
    env[URL_ENV] = sqlalchemy_url(url)
    return subprocess.Popen(
        [ALEMBIC, "-c", str(project.ini), "upgrade", "head"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(proc: subprocess.Popen[str]) -> str:
    _, err = proc.communicate(timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(f"alembic upgrade head failed:\n{err[-2000:]}")
    return err


def _build_s(url: str) -> float:
    with connect(url) as conn:
        row = conn.execute(
            "SELECT duration_ms FROM alembic_zdm_state WHERE revision = 'cic1' AND phase = 1"
        ).fetchone()
    if row is None or row[0] is None:
        raise RuntimeError("the first runner recorded no duration for its expand step")
    return float(row[0]) / 1000


def _wait_for_lock(url: str, first: subprocess.Popen[str]) -> None:
    from alembic_zdm.phases.lock import PG_LOCK_KEY

    with connect(url) as conn:
        while not conn.execute(HELD, (PG_LOCK_KEY,)).fetchone()[0]:  # type: ignore[index]
            if first.poll() is not None:
                raise RuntimeError("the first runner ended before taking the runner lock")
            time.sleep(0.02)


def _once(server: SeededServer, project: AlembicProject, waiter: bool) -> tuple[float, str]:
    with server.copy() as url:
        first = _start(project, url)
        outcome = ""
        if waiter:
            _wait_for_lock(url, first)
            second = _start(project, url)
        _finish(first)
        if waiter:
            err = _finish(second)
            waited = "holds the runner lock; waiting" in err
            outcome = NOTHING_TO_DO if waited and NOTHING_TO_DO in err else err.strip()[-300:]
        return _build_s(url), outcome


def run(server: SeededServer, settings: BenchSettings, log: Callable[[str], None]) -> TwoRunners:
    """Measure ``settings.two_runner_reps`` builds of each kind, alternating."""
    alone: list[float] = []
    with_waiter: list[float] = []
    outcomes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="zdm-bench-") as tmp:
        project = _project(Path(tmp))
        for _ in range(settings.two_runner_reps):
            alone.append(_once(server, project, waiter=False)[0])
            seconds, outcome = _once(server, project, waiter=True)
            with_waiter.append(seconds)
            outcomes.append(outcome)
    result = TwoRunners(alone, with_waiter, outcomes)
    log(
        f"  two runners: CREATE INDEX CONCURRENTLY {statistics.median(alone):.2f} s alone, "
        f"{statistics.median(with_waiter):.2f} s with a second runner waiting "
        f"({result.ratio:.3f}×); second runner: "
        f"{'waited, then nothing to do' if result.waiters_ok else outcomes}"
    )
    return result


def targets(result: TwoRunners) -> list[Target]:
    """The first runner's build is unchanged within noise; the second finds nothing to do."""
    from bench.targets import Target

    alone = statistics.median(result.alone_s)
    waited = statistics.median(result.with_waiter_s)
    return [
        Target(
            "two runners: the first runner's CREATE INDEX CONCURRENTLY with a second runner "
            "waiting / alone",
            f"{result.ratio:.3f}× ({waited:.2f} / {alone:.2f} s)",
            f"≤ {NOISE_RATIO}× (noise)",
            result.ratio <= NOISE_RATIO,
        ),
        Target(
            "two runners: the second runner waits, then finds nothing to do",
            f"{sum(o == NOTHING_TO_DO for o in result.waiter_outcomes)} of "
            f"{len(result.waiter_outcomes)}",
            "all",
            result.waiters_ok,
            "" if result.waiters_ok else "; ".join(result.waiter_outcomes),
        ),
    ]
