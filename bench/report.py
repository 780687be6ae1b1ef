"""The outputs of a run: the JSON record, the Markdown results table and the docs page."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import plain_guard
from bench.backfill import SINGLE_UPDATE, BackfillRun
from bench.load import sample_rows
from bench.overhead import Overhead
from bench.replica_lag import ReplicaLag
from bench.scenario_run import NAIVE, OK, RunResult
from bench.scenarios import SCENARIOS
from bench.settings import BenchSettings
from bench.stats import WindowStats
from bench.targets import Target
from bench.two_runners import TwoRunners


@dataclasses.dataclass
class Report:
    """Everything one benchmark run measured."""

    started: str
    command: str
    settings: BenchSettings
    machine: dict[str, str]
    runs: list[RunResult] = dataclasses.field(default_factory=list)
    backfill: list[BackfillRun] = dataclasses.field(default_factory=list)
    overheads: list[Overhead] = dataclasses.field(default_factory=list)
    targets: list[Target] = dataclasses.field(default_factory=list)
    lint_output: str | None = None
    plots: dict[str, str] = dataclasses.field(default_factory=dict)
    duration_s: float = 0.0
    import_profile: str = ""
    """Which modules the plugin adds to ``import alembic`` (diagnostic)."""
    two_runners: TwoRunners | None = None
    """The first runner's index build, alone and with a second runner waiting."""
    replica_lag: ReplicaLag | None = None
    """A backfill against a slow streaming replica, gated and naive."""
    conversion_output: str | None = None
    """The conversion-trigger table (:mod:`bench.conversion`), as printed."""

    @property
    def misses(self) -> list[Target]:
        """The targets not met."""
        return [t for t in self.targets if not t.passed]


# JSON ---------------------------------------------------------------------------------


def _run_json(run: RunResult) -> dict[str, Any]:
    return {
        "scenario": run.scenario,
        "title": run.title,
        "style": run.style,
        "lock_queue": run.lock_queue,
        "status": run.status,
        "detail": run.detail,
        "migration_s": run.migration_s,
        "phase_s": run.phase_times,
        "baseline": None if run.baseline is None else dataclasses.asdict(run.baseline),
        "migration": None if run.migration is None else dataclasses.asdict(run.migration),
        "markers": [dataclasses.asdict(m) for m in run.markers],
        "samples_columns": ["t_s", "latency_ms", "kind", "sqlstate"],
        "samples": sample_rows(run.samples, run.origin),
    }


def to_json(report: Report) -> dict[str, Any]:
    """The whole run as JSON-serialisable data (every sample included)."""
    return {
        "started": report.started,
        "command": report.command,
        "duration_s": report.duration_s,
        "settings": dataclasses.asdict(report.settings),
        "machine": report.machine,
        "scenarios": [_run_json(r) for r in report.runs],
        "backfill": [
            {**dataclasses.asdict(b), "rows_per_s": b.rows_per_s} for b in report.backfill
        ],
        "overheads": [
            {**dataclasses.asdict(o), "added_ms": o.added_ms, "ratio": o.ratio}
            for o in report.overheads
        ],
        "targets": [{**dataclasses.asdict(t), "verdict": t.verdict} for t in report.targets],
        "lint_benchmark_output": report.lint_output,
        "conversion_output": report.conversion_output,
        "import_profile": report.import_profile,
        "two_runners": None
        if report.two_runners is None
        else {**dataclasses.asdict(report.two_runners), "ratio": report.two_runners.ratio},
        "replica_lag": None
        if report.replica_lag is None
        else dataclasses.asdict(report.replica_lag),
    }


def write_json(report: Report, path: Path) -> Path:
    """Write :func:`to_json` to *path*."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(to_json(report), separators=(",", ":")) + "\n")
    return path


# Markdown -----------------------------------------------------------------------------


def _when(stamp: str) -> str:
    """``20260101T120000Z`` → ``2026-01-01 12:00 UTC``."""
    return f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]} {stamp[9:11]}:{stamp[11:13]} UTC"


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _lat(stats: WindowStats | None) -> str:
    if stats is None:
        return "–"
    return f"{stats.p50_ms:.1f} / {stats.p99_ms:.1f} / {stats.max_ms:.0f}"


def _errors(stats: WindowStats | None) -> str:
    if stats is None:
        return "–"
    if not stats.errors:
        return "0"
    return f"**{stats.errors}** " + ", ".join(
        f"{k}×{v}" for k, v in stats.errors_by_sqlstate.items()
    )


def scenario_table(runs: Sequence[RunResult]) -> str:
    """One row per run: the baseline and migration windows side by side."""
    rows = []
    for run in runs:
        way = "naive" if run.style == NAIVE else "alembic-zdm"
        lq = "yes" if run.lock_queue else "no"
        if run.status != OK and run.migration is None:
            rows.append([run.title, lq, way, f"_{run.status}_: {run.detail}", "", "", "", "", ""])
            continue
        ratio = (
            f"{run.migration.p99_ms / run.baseline.p99_ms:.1f}×"
            if run.migration and run.baseline and run.baseline.p99_ms
            else "–"
        )
        status = "" if run.status == OK else f" (**{run.status}**: {run.detail})"
        rows.append(
            [
                run.title,
                lq,
                way,
                f"{run.migration_s:.2f}{status}",
                _lat(run.baseline),
                _lat(run.migration),
                ratio,
                _errors(run.migration),
                f"{run.baseline.qps:.0f} → {run.migration.qps:.0f}"
                if run.baseline and run.migration
                else "–",
            ]
        )
    return _table(
        [
            "scenario",
            "long txn",
            "way",
            "migration (s)",
            "baseline p50 / p99 / max (ms)",
            "migration p50 / p99 / max (ms)",
            "p99 ratio",
            "errors",
            "queries/s",
        ],
        rows,
    )


def backfill_table(runs: Sequence[BackfillRun]) -> str:
    """Throughput of each method, and what the application saw under load."""
    base = {r.under_load: r.rows_per_s for r in runs if r.method == SINGLE_UPDATE}
    rows = []
    for run in runs:
        ref = base.get(run.under_load) or 0.0
        rows.append(
            [
                run.method,
                "yes" if run.under_load else "no",
                f"{run.rows:,}",
                f"{run.seconds:.2f}",
                f"{run.rows_per_s:,.0f}",
                f"{run.rows_per_s / ref:.2f}×" if ref else "–",
                f"{run.app.max_ms:.0f}" if run.app else "–",
                _errors(run.app) if run.app else "–",
                run.error or run.via,
            ]
        )
    return _table(
        [
            "method",
            "app load",
            "rows",
            "seconds",
            "rows/s",
            "vs single UPDATE",
            "app worst latency (ms)",
            "app errors",
            "how it ran",
        ],
        rows,
    )


def overhead_table(overheads: Sequence[Overhead]) -> str:
    """Medians with and without the plugin."""
    rows = [
        [
            o.what,
            f"{o.with_plugin_s * 1000:.1f}",
            f"{o.without_plugin_s * 1000:.1f}",
            f"{o.added_ms:+.1f}",
            f"{o.ratio:.3f}×",
            o.reps,
        ]
        for o in overheads
    ]
    return _table(
        ["measurement", "with plugin (ms)", "without (ms)", "added (ms)", "ratio", "runs per side"],
        rows,
    )


def targets_table(targets: Sequence[Target]) -> str:
    """Every target with its measured value and verdict."""
    rows = [
        [t.name, t.measured, t.limit, f"**{t.verdict}**" if not t.passed else t.verdict]
        for t in targets
    ]
    return _table(["target", "measured", "limit", "result"], rows)


def misses_markdown(misses: Sequence[Target]) -> str:
    """A bullet per missed target, with what the benchmark found about why."""
    return "\n".join(
        f"- **{t.name}**: {t.measured} (limit {t.limit}){'. ' + t.note if t.note else ''}"
        for t in misses
    )


def _kind(report: Report) -> str:
    if report.command.endswith("--overhead-only"):
        return "overhead-only"
    return "quick" if report.settings.quick else "full"


def results_markdown(report: Report) -> str:
    """``bench/results/latest.md``: the tables of one run."""
    settings = report.settings
    misses = report.misses
    parts = [
        f"# Benchmark results ({_kind(report)} run, {_when(report.started)})",
        "",
        f"`{report.command}` — {settings.rows:,} rows, {settings.clients} clients at "
        f"{settings.rate_per_client:.0f} statements/s each, took {report.duration_s:.0f} s. "
        f"Targets: {len(report.targets) - len(misses)} of {len(report.targets)} met.",
        "",
        "## Targets",
        "",
        targets_table(report.targets),
        "",
        *(["### Misses", "", misses_markdown(misses), ""] if misses else []),
        "## Scenarios",
        "",
        "Latencies are those of the application's statements (p50 / p99 / max, in ms) in the "
        "baseline window and in the migration window.",
        "",
        scenario_table(report.runs),
        "",
    ]
    if report.backfill:
        parts += ["## Backfill", "", backfill_table(report.backfill), ""]
    if report.replica_lag is not None:
        from bench.replica_lag import markdown

        parts += ["## Backfill with a slow replica", "", markdown(report.replica_lag), ""]
    if report.overheads:
        parts += ["## Overheads of the installed plugin", "", overhead_table(report.overheads), ""]
    if report.conversion_output is not None:
        text = report.conversion_output.rstrip()
        parts += ["## Conversion trigger (safe_change_column_type)", "", "```text", text, "```", ""]
    parts += _plain_guard(report)
    if report.lint_output is not None:
        parts += ["## Linter benchmark", "", "```text", report.lint_output.rstrip(), "```", ""]
    return "\n".join(parts)


def _plain_guard(report: Report) -> list[str]:
    found = plain_guard.table(report.runs, report.overheads, report.settings)
    if not found:
        return []
    return ["## Guard of plain revisions: what it buys, what it costs", "", found, ""]


def _scenario_docs() -> str:
    rows = []
    for s in SCENARIOS:
        naive = "; ".join(line.strip() for line in s.naive.strip().splitlines())
        rows.append([s.title, f"`{naive}`", s.naive_locks, f"`{s.zdm}`"])
    return _table(
        ["scenario", "naive revision (`upgrade()`)", "what it locks", "alembic-zdm (`expand()`)"],
        rows,
    )


METHOD = """\
## How it is measured

- **Table.** `items` (`id bigint` identity primary key, `account_id`, `qty`, `counter int`,
  `label text`, `note int` nullable with no NULLs, `payload`, `updated_at`) with {rows} rows and a
  1,000-row `accounts` table, seeded once into a template database. Every run gets its own
  copy (`CREATE DATABASE … TEMPLATE`), so the naive and the alembic-zdm run of a scenario
  start from identical tables.
- **Application.** {clients} connections (psycopg 3, autocommit, one thread each, in a separate
  process so the migration does not share its interpreter lock), each sending {rate} statements/s:
  60 % point reads by primary key, 20 % single-row updates, 20 % inserts. Statement timeout
  {stmt_timeout} s, so that stalls are observed, not cut short. Every statement's start time,
  latency and SQLSTATE (if it failed) is recorded. A stalled client does not burst afterwards,
  so a stall shows as one long statement per client.
- **Windows.** Baseline: statements sent and answered in the {baseline} s before the migration
  (after {warmup} s of warm-up). Migration: statements in flight at any moment between the
  start of the first `alembic upgrade` call and the end of the last one.
- **Migrations** run through `alembic.command.upgrade` on a generated Alembic project
  (plain `env.py`, `transaction_per_migration=True`). Naive: one plain revision, `upgrade head`
  with Alembic's own command. alembic-zdm: one phased revision (ops written in `expand()`),
  run as `upgrade zdm-phase:1`, `zdm-phase:2`, then `head`; the dashed lines in the plots
  are these calls.
- **Lock queue.** In the "long txn" runs, a transaction takes `LOCK TABLE items IN ROW
  EXCLUSIVE MODE` (the lock any transaction that wrote to the table holds) {lead} s before the
  migration and keeps it {hold} s. A DDL statement that needs a stronger lock waits behind it,
  and every application statement that arrives later waits behind the DDL.
- **Backfill.** A nullable `score` column is set to `qty * 2` on every row, once with one
  `UPDATE … WHERE score IS NULL` (the physical limit, and the naive way) and once with
  `op.backfill("items", set={{"score": "qty * 2"}}, where="score IS NULL")`, each through
  `alembic upgrade head` on a fresh copy: first with no load, then under the application load.
- **Overheads.** Each measurement runs in a fresh interpreter that wraps
  `importlib.metadata.entry_points`; in the "without" runs the wrapper hides the
  `alembic_zdm` entry point of the `alembic.plugins` group, in the "with" runs it hides
  nothing. Everything else is identical, so the difference is exactly what the plugin adds.
  The two sides alternate; medians are reported. `upgrade` runs
  `alembic.config.main(["upgrade", "head"])` over {revisions} revisions of `op.execute("SELECT 1")`
  (`transaction_per_migration=True`) on a fresh SQLite file, and on a fresh PostgreSQL
  database, each time, timed inside the interpreter; with the plugin, every revision is
  guarded (lock timeout, retries). Bytecode is cached as on an installed system
  (`PYTHONDONTWRITEBYTECODE` is unset for these runs).
"""


def docs_markdown(report: Report, plot_prefix: str) -> str:
    """``docs/benchmarks.md``: method, machine, command, tables, plots, misses."""
    s = report.settings
    machine = "\n".join(f"| {k} | {v} |" for k, v in report.machine.items())
    misses = report.misses
    parts = [
        "# Benchmarks: does the application keep serving?",
        "",
        "<!-- generated by `python -m bench` (bench/report.py); do not edit by hand -->",
        "",
        "A live application load runs against PostgreSQL while each schema change is applied,",
        "once as a plain Alembic revision and once with alembic-zdm's operations and phases,",
        "and the latency of every application statement is recorded.",
        "",
        f"Run of {_when(report.started)}, {s.rows:,} rows, {report.duration_s:.0f} s in total. "
        f"**{len(report.targets) - len(misses)} of {len(report.targets)} targets met.**",
        "",
        "## Reproduce",
        "",
        "```sh",
        "make bench        # = python -m bench          (1,000,000 rows, ~10 minutes)",
        "make bench-quick  # = python -m bench --quick  (100,000 rows, < 2 minutes)",
        "```",
        "",
        "PostgreSQL comes from `$ZDM_BENCH_PG_URL`, else `$ZDM_TEST_PG_URL`, else the embedded",
        "server (`pip install -e '.[demo,dev]'`). Each run writes `bench/results/<timestamp>.json`",
        "(every statement's latency), `bench/results/latest.md` and one plot per scenario; a full",
        "run also rewrites this page.",
        "",
        "## Machine",
        "",
        "| | |",
        "| --- | --- |",
        machine,
        "",
        "## The scenarios",
        "",
        _scenario_docs(),
        "",
        "## Targets",
        "",
        targets_table(report.targets),
        "",
    ]
    if misses:
        parts += ["### Misses", "", misses_markdown(misses), ""]
    parts += [
        "## Results per scenario",
        "",
        "p50 / p99 / max latency of the application's statements in ms, baseline window vs",
        "migration window; errors are the application's failed statements, by SQLSTATE.",
        "",
        scenario_table(report.runs),
        "",
    ]
    for scenario in SCENARIOS:
        plot = report.plots.get(scenario.key)
        if plot:
            parts += [f"### {scenario.title}", "", f"![{scenario.title}]({plot_prefix}{plot})", ""]
    if report.backfill:
        parts += ["## Backfill", "", backfill_table(report.backfill), ""]
    if report.overheads:
        parts += ["## Overheads of the installed plugin", "", overhead_table(report.overheads), ""]
    if report.conversion_output is not None:
        text = report.conversion_output.rstrip()
        parts += ["## Conversion trigger (safe_change_column_type)", "", "```text", text, "```", ""]
    parts += _plain_guard(report)
    if report.lint_output is not None:
        parts += ["## Linter speed", "", "```text", report.lint_output.rstrip(), "```", ""]
    parts.append(
        METHOD.format(
            rows=f"{s.rows:,}",
            clients=s.clients,
            rate=f"{s.rate_per_client:.0f}",
            stmt_timeout=f"{s.statement_timeout_ms / 1000:.0f}",
            baseline=f"{s.baseline_s:g}",
            warmup=f"{s.warmup_s:g}",
            lead=f"{s.blocker_lead_s:g}",
            hold=f"{s.blocker_hold_s:g}",
            revisions=s.overhead_upgrade_revisions,
        )
    )
    return "\n".join(parts)


# Reading a run back ---------------------------------------------------------------------


def from_json(data: dict[str, Any]) -> Report:
    """Rebuild a :class:`Report` from :func:`to_json` output (samples relative to t = 0)."""
    from bench.load import Sample
    from bench.scenario_run import Marker

    rep = Report(
        started=data["started"],
        command=data["command"],
        settings=BenchSettings(**data["settings"]),
        machine=data["machine"],
        lint_output=data.get("lint_benchmark_output"),
        conversion_output=data.get("conversion_output"),
        duration_s=data["duration_s"],
        import_profile=data.get("import_profile", ""),
    )
    for item in data["scenarios"]:
        run = RunResult(
            item["scenario"], item["title"], item["style"], item["lock_queue"], item["status"]
        )
        run.detail = item["detail"]
        run.migration_s = item["migration_s"]
        run.phase_times = item["phase_s"]
        run.baseline = WindowStats(**item["baseline"]) if item["baseline"] else None
        run.migration = WindowStats(**item["migration"]) if item["migration"] else None
        run.markers = [Marker(**m) for m in item["markers"]]
        run.samples = [Sample(t, ms / 1000, kind, state) for t, ms, kind, state in item["samples"]]
        rep.runs.append(run)
    for item in data["backfill"]:
        fields = {f.name for f in dataclasses.fields(BackfillRun)}
        values = {k: v for k, v in item.items() if k in fields}
        values["app"] = WindowStats(**item["app"]) if item.get("app") else None
        rep.backfill.append(BackfillRun(**values))
    for item in data["overheads"]:
        fields = {f.name for f in dataclasses.fields(Overhead)}
        rep.overheads.append(Overhead(**{k: v for k, v in item.items() if k in fields}))
    if data.get("two_runners"):
        fields = {f.name for f in dataclasses.fields(TwoRunners)}
        rep.two_runners = TwoRunners(
            **{k: v for k, v in data["two_runners"].items() if k in fields}
        )
    if data.get("replica_lag"):
        from bench.replica_lag import from_json as lag_from_json

        rep.replica_lag = lag_from_json(data["replica_lag"])
    if not rep.import_profile:
        rep.import_profile = next(
            (t["note"] for t in data["targets"] if t["name"].startswith("import alembic")), ""
        )
    return rep
