"""The targets of issue 6, each checked against a run's numbers: PASS or MISS, never hidden."""

from __future__ import annotations

import dataclasses
import os
from collections import Counter
from collections.abc import Sequence

from bench.backfill import BACKFILL, SINGLE_UPDATE, BackfillRun
from bench.overhead import Overhead
from bench.scenario_run import OK, ZDM, RunResult
from bench.settings import BenchSettings

P99_FACTOR = 2.0
BACKFILL_RATIO = 0.9
BACKFILL_LOAD_MS = 600.0
IMPORT_ADDED_MS = 15.0
UPGRADE_RATIO = 1.05


@dataclasses.dataclass(frozen=True)
class Target:
    """One target: what, the measured value, the limit, and whether it was met."""

    name: str
    measured: str
    limit: str
    passed: bool
    note: str = ""

    @property
    def verdict(self) -> str:
        """``PASS`` or ``MISS``."""
        return "PASS" if self.passed else "MISS"


def _run_label(run: RunResult) -> str:
    return f"{run.title}{' + long transaction' if run.lock_queue else ''}"


def scenario_targets(runs: Sequence[RunResult], settings: BenchSettings) -> list[Target]:
    """Per alembic-zdm run: zero errors, worst latency, p99 against the baseline."""
    limit_ms = settings.lock_timeout_ms + 100
    targets: list[Target] = []
    for run in runs:
        if run.style != ZDM:
            continue
        label = _run_label(run)
        if run.status != OK or run.migration is None or run.baseline is None:
            for what in ("zero application errors", "worst latency", "p99"):
                targets.append(
                    Target(f"{label}: {what}", run.status, "migration ran", False, run.detail)
                )
            continue
        errors = sum(1 for s in run.samples if s.sqlstate is not None)
        codes = sorted({s.sqlstate for s in run.samples if s.sqlstate})
        targets.append(
            Target(
                f"{label}: zero application errors",
                f"{errors}" + (f" ({', '.join(c for c in codes if c)})" if codes else ""),
                "0",
                errors == 0,
            )
        )
        targets.append(
            Target(
                f"{label}: worst latency during the migration",
                f"{run.migration.max_ms:.0f} ms",
                f"≤ {limit_ms} ms (lock timeout + 100 ms)",
                run.migration.max_ms <= limit_ms,
            )
        )
        ratio = run.migration.p99_ms / run.baseline.p99_ms if run.baseline.p99_ms else 0.0
        targets.append(
            Target(
                f"{label}: p99 during the migration / baseline p99",
                f"{ratio:.2f}× ({run.migration.p99_ms:.1f} / {run.baseline.p99_ms:.1f} ms)",
                f"≤ {P99_FACTOR:.0f}×",
                ratio <= P99_FACTOR,
                "" if ratio <= P99_FACTOR else _p99_note(run, settings),
            )
        )
    return targets


def _phase_of(run: RunResult, t: float) -> str:
    phase = "before the migration"
    for marker in run.markers:
        if marker.kind == "phase" and marker.t <= t and "migration" not in marker.label:
            phase = marker.label.split(" (")[0]
    return phase


def _p99_note(run: RunResult, settings: BenchSettings) -> str:
    """What the slow statements of a run were, when, and the likely reason."""
    assert run.migration is not None and run.baseline is not None
    begin, end = run.origin + _start(run), run.origin + _end(run)
    window = [s for s in run.samples if s.start < end and s.end > begin]
    floor = max(2 * run.baseline.p99_ms, 1.0)
    slow = [s for s in window if s.latency * 1000 >= floor]
    kinds = Counter(s.kind for s in slow)
    phases = Counter(_phase_of(run, s.start - run.origin) for s in slow)
    text = (
        f"{len(slow)} of {len(window)} statements took ≥ {floor:.1f} ms (2× the baseline p99): "
        + ", ".join(f"{n} {k}s" for k, n in kinds.most_common())
        + "; by phase: "
        + ", ".join(f"{p} {n}" for p, n in phases.most_common())
        + ". "
    )
    threshold = settings.lock_timeout_ms / 2
    queued = [s for s in window if s.latency * 1000 >= threshold]
    if queued:
        return text + (
            f"{len(queued)} of them waited ≥ {threshold:.0f} ms: each attempt of a lock-taking "
            f"statement queues the application for up to the lock timeout "
            f"({settings.lock_timeout_ms} ms), and while the long transaction holds its lock "
            f"there are several attempts, so more than 1 % of the window's statements queue"
        )
    if len(window) < 100:
        text += f"With {len(window)} statements in the window, its p99 is its maximum. "
    if phases and phases.most_common(1)[0][0] == "migrate":
        return text + (
            "Most ran during the migrate phase, whose backfill batches hold their rows' locks "
            "until they commit (batches aim at 200 ms) and whose scans share the machine's "
            f"{os.cpu_count()} cores with the application"
        )
    return text + (
        "No statement waited long on a lock: this is the DDL's own work competing with the "
        f"application for {os.cpu_count()} cores, in a {run.migration.duration_s:.2f} s window"
    )


def _start(run: RunResult) -> float:
    return next((m.t for m in run.markers if m.label == "migration starts"), 0.0)


def _end(run: RunResult) -> float:
    return next((m.t for m in run.markers if m.label == "migration ends"), 0.0)


def _find(runs: Sequence[BackfillRun], method: str, under_load: bool) -> BackfillRun | None:
    return next((r for r in runs if r.method == method and r.under_load == under_load), None)


def backfill_ratio(runs: Sequence[BackfillRun]) -> float | None:
    """rows/s of op.backfill / rows/s of the single UPDATE, with no load."""
    update = _find(runs, SINGLE_UPDATE, False)
    backfill = _find(runs, BACKFILL, False)
    if update is None or backfill is None or not update.rows_per_s:
        return None
    return round(backfill.rows_per_s / update.rows_per_s, 3)


def backfill_targets(runs: Sequence[BackfillRun]) -> list[Target]:
    """Throughput ratio with no load; worst application latency under load."""
    targets: list[Target] = []
    ratio = backfill_ratio(runs)
    backfill = _find(runs, BACKFILL, False)
    update = _find(runs, SINGLE_UPDATE, False)
    note = ""
    if backfill is not None:
        note = backfill.error
        if not note and backfill.engine_s and update is not None and update.seconds:
            note = (
                f"{backfill.batches} batches; the engine's own time was {backfill.engine_s:.2f} s "
                f"of {backfill.seconds:.2f} s ({update.seconds / backfill.engine_s:.2f}× the "
                f"UPDATE's rows/s without Alembic's start-up)"
            )
        if backfill.via != "alembic upgrade head":
            note = f"{note}; {backfill.via}" if note else backfill.via
    targets.append(
        Target(
            "backfill rows/s / single UPDATE rows/s (no load)",
            "not measured" if ratio is None else f"{ratio:.2f}×",
            f"≥ {BACKFILL_RATIO}×",
            ratio is not None and ratio >= BACKFILL_RATIO,
            note,
        )
    )
    loaded = _find(runs, BACKFILL, True)
    worst = loaded.app.max_ms if loaded is not None and loaded.app is not None else None
    targets.append(
        Target(
            "backfill under load: worst application latency",
            "not measured" if worst is None else f"{worst:.0f} ms",
            f"≤ {BACKFILL_LOAD_MS:.0f} ms",
            worst is not None and worst <= BACKFILL_LOAD_MS and not (loaded and loaded.error),
            "" if loaded is None else loaded.error,
        )
    )
    return targets


def overhead_targets(
    import_cost: Overhead | None, upgrade_cost: Overhead | None, import_note: str = ""
) -> list[Target]:
    """Import time added; upgrade time ratio."""
    targets: list[Target] = []
    if import_cost is not None:
        targets.append(
            Target(
                "import alembic: time the plugin adds",
                f"{import_cost.added_ms:.1f} ms",
                f"≤ {IMPORT_ADDED_MS:.0f} ms",
                import_cost.added_ms <= IMPORT_ADDED_MS,
                import_note,
            )
        )
    if upgrade_cost is not None:
        targets.append(
            Target(
                f"{upgrade_cost.what}: with / without the plugin",
                f"{upgrade_cost.ratio:.3f}×",
                f"≤ {UPGRADE_RATIO}×",
                upgrade_cost.ratio <= UPGRADE_RATIO,
            )
        )
    return targets
