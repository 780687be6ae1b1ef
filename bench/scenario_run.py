"""One scenario run: a fresh copy of the table, the load, (a long transaction,) the migration.

Timeline of a run (seconds on the shared monotonic clock, reported relative to the
moment the load started)::

    load starts ─ warm-up ─┬─ baseline window ─┬─ [long transaction takes its lock]
                           │                   └─ migration window: phase by phase ─┬─ cool-down ─ load stops
"""

from __future__ import annotations

import dataclasses
import importlib
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.blocker import LockHolder
from bench.database import SeededServer, sqlalchemy_url
from bench.load import LoadProcess, LoadSpec, LoadWorker, Sample
from bench.migrations import AlembicProject
from bench.scenarios import NAIVE_TARGETS, ZDM_TARGETS, Scenario
from bench.settings import BenchSettings
from bench.stats import WindowStats, finished_within, overlapping, summarize

NAIVE = "naive"
ZDM = "zdm"

OK = "ok"
FAILED = "failed"
NOT_AVAILABLE = "not available yet"


@dataclasses.dataclass(frozen=True)
class Marker:
    """A moment of the timeline: ``t`` seconds after the load started."""

    t: float
    label: str
    kind: str
    """``phase`` (a phase or the migration begins/ends) or ``lock`` (the long transaction)."""


@dataclasses.dataclass
class RunResult:
    """The outcome of one run of one scenario in one style."""

    scenario: str
    title: str
    style: str
    lock_queue: bool
    status: str
    detail: str = ""
    baseline: WindowStats | None = None
    migration: WindowStats | None = None
    migration_s: float = 0.0
    markers: list[Marker] = dataclasses.field(default_factory=list)
    samples: list[Sample] = dataclasses.field(default_factory=list)
    origin: float = 0.0
    phase_times: dict[str, float] = dataclasses.field(default_factory=dict)
    wall_s: float = 0.0
    """Wall time of the whole run (copy, load, migration, windows), for the run log."""

    @property
    def name(self) -> str:
        """File-name-safe id of the run."""
        return f"{self.scenario}-{self.style}" + ("-lockqueue" if self.lock_queue else "")


def zdm_missing(scenario: Scenario) -> list[str]:
    """What the alembic-zdm way of *scenario* needs that is not installed yet."""
    from alembic import command
    from alembic.operations import Operations

    from alembic_zdm.ops import register_all

    register_all()  # the plugin registers operations on first use; look at the class now
    missing = [f"op.{name}" for name in scenario.zdm_ops if not hasattr(Operations, name)]
    if not getattr(command.upgrade, "_zdm_wrapper", False):
        missing.append("the zdm-phase:N upgrade targets")
    return missing


def stock_upgrade() -> Callable[..., Any]:
    """Alembic's own ``command.upgrade`` (the plugin's wrapper is bypassed for naive runs)."""
    command = importlib.import_module("alembic.command")
    upgrade = command.upgrade
    return getattr(upgrade, "__wrapped__", upgrade)  # type: ignore[no-any-return]


def _project(directory: Path, url: str, scenario: Scenario, style: str) -> AlembicProject:
    project = AlembicProject(directory, sqlalchemy_url(url))
    if style == NAIVE or scenario.zdm_plain:
        functions = {"upgrade": scenario.naive, "downgrade": "raise NotImplementedError"}
    else:
        functions = {"expand": scenario.zdm}
    project.add_revision(f"{scenario.key}_{style}", f"{scenario.title} ({style})", functions)
    return project


def run_scenario(
    server: SeededServer,
    scenario: Scenario,
    style: str,
    lock_queue: bool,
    settings: BenchSettings,
    log: Callable[[str], None] = print,
    worker: LoadWorker | None = None,
) -> RunResult:
    """Run *scenario* the *style* way under the application load; measure both windows."""
    began = time.monotonic()
    result = RunResult(scenario.key, scenario.title, style, lock_queue, status=OK)
    if style == ZDM:
        missing = zdm_missing(scenario)
        if missing:
            result.status = NOT_AVAILABLE
            result.detail = "needs " + ", ".join(missing)
            return result
    with server.copy() as url, tempfile.TemporaryDirectory(prefix="zdm-bench-") as tmp:
        project = _project(Path(tmp), url, scenario, style)
        cfg = project.config()
        spec = LoadSpec(
            url=url,
            rows=server.rows,
            clients=settings.clients,
            rate_per_client=settings.rate_per_client,
            statement_timeout_ms=settings.statement_timeout_ms,
        )
        with LoadProcess(spec, worker) as load:
            origin = time.monotonic()
            result.origin = origin

            def mark(label: str, kind: str = "phase", at: float | None = None) -> float:
                now = time.monotonic() if at is None else at
                result.markers.append(Marker(round(now - origin, 4), label, kind))
                return now

            time.sleep(settings.warmup_s + settings.baseline_s)
            baseline_end = time.monotonic()
            holder: LockHolder | None = None
            if lock_queue:
                holder = LockHolder(
                    url, settings.blocker_hold_s, table=scenario.blocked_table
                ).hold()
                mark("long transaction takes its lock", "lock", holder.acquired_at)
                time.sleep(settings.blocker_lead_s)
            started = mark("migration starts")
            _migrate(result, cfg, style, mark, log, scenario.zdm_plain)
            ended = mark("migration ends")
            if holder is not None:
                holder.join()
                mark("long transaction ends", "lock", holder.released_at)
            time.sleep(settings.cooldown_s)
            samples = load.stop()
        result.samples = samples
        result.migration_s = round(ended - started, 3)
        base_start = origin + settings.warmup_s
        result.baseline = summarize(
            finished_within(samples, base_start, baseline_end), baseline_end - base_start
        )
        result.migration = summarize(overlapping(samples, started, ended), ended - started)
    result.markers.sort(key=lambda m: m.t)
    result.wall_s = round(time.monotonic() - began, 2)
    return result


def _migrate(
    result: RunResult,
    cfg: Any,
    style: str,
    mark: Callable[..., float],
    log: Callable[[str], None],
    plain: bool = False,
) -> None:
    upgrade: Callable[..., Any]
    if style == NAIVE:
        upgrade, targets = stock_upgrade(), NAIVE_TARGETS
    else:
        upgrade = importlib.import_module("alembic.command").upgrade
        targets = NAIVE_TARGETS if plain else ZDM_TARGETS
    for phase, target in targets:
        began = mark(f"{phase} ({target})" if style == ZDM and not plain else "upgrade head")
        try:
            upgrade(cfg, target)
        except Exception as exc:
            result.status = FAILED
            result.detail = f"{phase}: {type(exc).__name__}: {exc}".strip()
            log(f"    {result.name}: {result.detail}")
            log(textwrap_tb(exc))
            return
        finally:
            result.phase_times[phase] = round(time.monotonic() - began, 3)


def textwrap_tb(exc: BaseException) -> str:
    """The last lines of *exc*'s traceback, indented, for the run log."""
    lines = traceback.format_exception(exc)
    return "".join("      " + line for line in "".join(lines[-6:]).splitlines(keepends=True))
