"""Two runners at once: does a waiting runner slow the first one's concurrent index build?

``CREATE INDEX CONCURRENTLY`` waits for every transaction older than its snapshot, in
the whole database. A second ``alembic upgrade head`` that waited for the runner lock
inside a transaction would stretch the first runner's build for as long as it waits.
Each repetition builds the same index on a fresh copy of the seeded table, through the
real ``alembic`` console script, once alone and once with a second runner waiting for
the runner lock (the two alternate, so machine noise falls on both). The revision
holds at a gate file before the build until the second runner says it is waiting, so
the second's start-up never overlaps the build; the revision times the build itself.
The second runner must wait and then find nothing to do.
"""

from __future__ import annotations

import dataclasses
import os
import statistics
import subprocess
import sys
import tempfile
import threading
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
    """Per repetition: ``nothing to do`` when the second runner waited, never made the
    build wait (sampled ``pg_blocking_pids`` of the build) and then found nothing to do."""
    build_samples: list[int] = dataclasses.field(default_factory=list)
    """Per repetition with a waiter: how many times the running build was sampled."""

    @property
    def ratio(self) -> float:
        """Median with a waiter / median alone."""
        alone = statistics.median(self.alone_s) if self.alone_s else 0.0
        return round(statistics.median(self.with_waiter_s) / alone, 3) if alone else 0.0

    @property
    def waiters_ok(self) -> bool:
        """Every second runner waited and then found nothing to do."""
        return bool(self.waiter_outcomes) and all(o == NOTHING_TO_DO for o in self.waiter_outcomes)


EXPAND = """
import os, time
here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
while os.path.exists(os.path.join(here, "gate")):
    time.sleep(0.02)
began = time.perf_counter()
op.add_index_concurrently("ix_bench_items_acct_qty", "items", ["account_id", "qty"])
with open(os.path.join(here, "build_s"), "a") as out:  # migrate/contract replay expand()
    out.write(f"{time.perf_counter() - began}\\n")
"""


def _project(folder: Path) -> AlembicProject:
    project = AlembicProject(folder)
    project.add_revision(
        "cic1",
        "index items (account_id, qty) concurrently",
        {
            "expand": EXPAND,
            "undo_expand": 'op.drop_index_concurrently("ix_bench_items_acct_qty", "items")',
        },
    )
    return project


def _start(project: AlembicProject, url: str, name: str) -> subprocess.Popen[str]:
    env = dict(os.environ)
    env[URL_ENV] = _named(url, f"zdm-bench-{name}")
    with open(project.directory / f"{name}.err", "w") as err:
        return subprocess.Popen(
            [ALEMBIC, "-c", str(project.ini), "upgrade", "head"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
            text=True,
        )


def _said(project: AlembicProject, name: str) -> str:
    return (project.directory / f"{name}.err").read_text()


def _finish(proc: subprocess.Popen[str], project: AlembicProject, name: str) -> str:
    proc.wait(timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(f"alembic upgrade head failed:\n{_said(project, name)[-2000:]}")
    return _said(project, name)


def _until(check: Callable[[], bool], proc: subprocess.Popen[str], what: str) -> None:
    while not check():
        if proc.poll() is not None:
            raise RuntimeError(f"a runner ended before {what}")
        time.sleep(0.02)


def _named(url: str, application: str) -> str:
    from sqlalchemy.engine import make_url

    named = make_url(sqlalchemy_url(url)).update_query_dict({"application_name": application})
    return named.render_as_string(hide_password=False)


class _Watch:
    """Samples, while the build runs, whether it waits for the second runner (it must not)."""

    SQL = (
        "SELECT b.pid, w.pid IS NOT NULL FROM pg_stat_activity b "
        "LEFT JOIN pg_stat_activity w ON w.application_name = 'zdm-bench-second' "
        "AND w.pid = ANY(pg_blocking_pids(b.pid)) "
        "WHERE b.application_name = 'zdm-bench-first' AND b.state = 'active' "
        "AND b.query ILIKE 'CREATE INDEX CONCURRENTLY%'"
    )

    def __init__(self, url: str) -> None:
        self.url = url
        self.samples = 0
        self.blocked = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> _Watch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        with connect(self.url) as conn:
            while not self._stop.wait(0.05):
                rows = conn.execute(self.SQL).fetchall()
                if rows:
                    self.samples += 1
                    self.blocked += any(row[1] for row in rows)


def _held(url: str) -> bool:
    from alembic_zdm.phases.lock import PG_LOCK_KEY

    with connect(url) as conn:
        return bool(conn.execute(HELD, (PG_LOCK_KEY,)).fetchone()[0])  # type: ignore[index]


def _once(server: SeededServer, project: AlembicProject, waiter: bool) -> tuple[float, str, int]:
    gate = project.directory / "gate"
    with server.copy() as url:
        gate.write_text("")
        first = _start(project, url, "first")
        outcome = ""
        try:
            _until(lambda: _held(url), first, "taking the runner lock")
            if waiter:
                second = _start(project, url, "second")
                _until(
                    lambda: "holds the runner lock; waiting" in _said(project, "second"),
                    second,
                    "waiting",
                )
        finally:
            gate.unlink(missing_ok=True)
        with _Watch(url) as watch:
            _finish(first, project, "first")
        if waiter:
            err = _finish(second, project, "second")
            outcome = NOTHING_TO_DO if NOTHING_TO_DO in err else err.strip()[-300:]
            if watch.blocked:
                outcome = f"the build waited for it in {watch.blocked} of {watch.samples} samples"
        times = (project.directory / "build_s").read_text().split()
        (project.directory / "build_s").unlink()
        return max(float(t) for t in times), outcome, watch.samples  # replays take ~0 s


def run(server: SeededServer, settings: BenchSettings, log: Callable[[str], None]) -> TwoRunners:
    """Measure ``settings.two_runner_reps`` builds of each kind, alternating."""
    alone: list[float] = []
    with_waiter: list[float] = []
    outcomes: list[str] = []
    samples: list[int] = []
    with tempfile.TemporaryDirectory(prefix="zdm-bench-") as tmp:
        project = _project(Path(tmp))
        for _ in range(settings.two_runner_reps):
            alone.append(_once(server, project, waiter=False)[0])
            seconds, outcome, sampled = _once(server, project, waiter=True)
            with_waiter.append(seconds)
            outcomes.append(outcome)
            samples.append(sampled)
    result = TwoRunners(alone, with_waiter, outcomes, samples)
    second = (
        f"waited, then nothing to do; the build (sampled {sum(samples)} times) never waited for it"
        if result.waiters_ok
        else "; ".join(outcomes)
    )
    log(
        f"  two runners: CREATE INDEX CONCURRENTLY {statistics.median(alone):.2f} s alone, "
        f"{statistics.median(with_waiter):.2f} s with a second runner waiting "
        f"({result.ratio:.3f}×); second runner: {second}"
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
