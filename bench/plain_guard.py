"""The guard of plain revisions in one table: what it buys and what it costs.

What it buys: the ``plain_add_column`` scenario — a plain ``op.add_column`` revision run by
``alembic upgrade head`` while a long transaction holds the table, naive (Alembic's own
command) vs the plugin installed (the same revision, guarded). What it costs: ``upgrade
head`` over many trivial plain revisions with vs without the plugin
(:mod:`bench.overhead`), on SQLite and PostgreSQL. Both are in the targets too; this puts
them side by side.
"""

from __future__ import annotations

from collections.abc import Sequence

from bench.overhead import Overhead
from bench.scenario_run import NAIVE, ZDM, RunResult
from bench.settings import BenchSettings

SCENARIO = "plain_add_column"


def _run(runs: Sequence[RunResult], style: str) -> RunResult | None:
    return next(
        (r for r in runs if r.scenario == SCENARIO and r.style == style and r.lock_queue), None
    )


def _latency(run: RunResult | None) -> str:
    if run is None:
        return "not run"
    if run.migration is None:
        return run.status
    return f"{run.migration.max_ms:.0f} ms, {run.migration.errors} errors"


def rows(
    runs: Sequence[RunResult], overheads: Sequence[Overhead], settings: BenchSettings
) -> list[tuple[str, str, str]]:
    """``(what, naive / without the plugin, with the plugin)`` for each measurement made."""
    found: list[tuple[str, str, str]] = []
    naive, guarded = _run(runs, NAIVE), _run(runs, ZDM)
    if naive is not None or guarded is not None:
        found.append(
            (
                f"worst application latency, {settings.blocker_hold_s:g} s transaction holding "
                f"the table (target ≤ {settings.lock_timeout_ms + 100} ms, 0 errors)",
                _latency(naive),
                _latency(guarded),
            )
        )
    for cost in overheads:
        if cost.what.startswith("alembic upgrade"):
            found.append(
                (
                    cost.what,
                    f"{cost.without_plugin_s * 1000:.0f} ms",
                    f"{cost.with_plugin_s * 1000:.0f} ms ({cost.ratio:.3f}×)",
                )
            )
    return found


def log_lines(
    runs: Sequence[RunResult], overheads: Sequence[Overhead], settings: BenchSettings
) -> list[str]:
    """The run log's summary: naive | guarded, per measurement."""
    found = rows(runs, overheads, settings)
    if not found:
        return []
    lines = ["\nguard of plain revisions (naive / stock Alembic | plugin installed):"]
    lines += [f"  {what}: {naive}  |  {guarded}" for what, naive, guarded in found]
    return lines


def table(runs: Sequence[RunResult], overheads: Sequence[Overhead], settings: BenchSettings) -> str:
    """Markdown table of :func:`rows` (empty when nothing of it was measured)."""
    found = rows(runs, overheads, settings)
    if not found:
        return ""
    lines = [
        "| measurement | naive / without the plugin | plugin installed |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {what} | {naive} | {guarded} |" for what, naive, guarded in found]
    return "\n".join(lines)
