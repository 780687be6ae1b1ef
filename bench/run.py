"""The benchmark runner: ``python -m bench [--quick]`` or ``python bench/run.py [--quick]``.

Runs every scenario the naive way and the alembic-zdm way, without and with a
long-running transaction, then the backfill, conversion-trigger and overhead
measurements and the linter
benchmark (``bench/lint_bench.py``, when present); prints every target with its
measured value and PASS/MISS; writes ``bench/results/<timestamp>.json``,
``bench/results/latest.md`` and the plots; a full run also rewrites
``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the top-level ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import backfill as backfill_bench
from bench import (
    conversion,
    overhead,
    plain_guard,
    plots,
    replica_lag,
    report,
    targets,
    two_runners,
)
from bench.database import SeededServer, server_url, sqlalchemy_url
from bench.load import LoadWorker
from bench.machine import describe
from bench.scenario_run import NAIVE, OK, ZDM, RunResult, run_scenario
from bench.scenarios import SCENARIOS, by_key
from bench.settings import BenchSettings

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DOCS = ROOT / "docs"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 rows, shorter windows")
    parser.add_argument(
        "--only", action="append", metavar="SCENARIO", help="run only these scenarios (repeatable)"
    )
    parser.add_argument("--no-backfill", action="store_true", help="skip the backfill benchmark")
    parser.add_argument("--no-overhead", action="store_true", help="skip the overhead benchmark")
    parser.add_argument("--no-lint", action="store_true", help="skip the linter benchmark")
    parser.add_argument(
        "--no-conversion", action="store_true", help="skip the conversion-trigger benchmark"
    )
    parser.add_argument(
        "--overhead-only",
        action="store_true",
        help="only the overheads of the installed plugin (import, upgrade over many revisions)",
    )
    parser.add_argument(
        "--no-two-runners", action="store_true", help="skip the two-runners benchmark"
    )
    parser.add_argument(
        "--no-replica-lag", action="store_true", help="skip the slow-replica backfill benchmark"
    )
    docs = parser.add_mutually_exclusive_group()
    docs.add_argument(
        "--docs", action="store_true", help="rewrite docs/benchmarks.md (default: full runs)"
    )
    docs.add_argument("--no-docs", action="store_true", help="never rewrite docs/benchmarks.md")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument(
        "--render",
        metavar="RESULTS_JSON",
        help="measure nothing: rebuild the tables, plots (and with --docs the docs page) of a recorded run",
    )
    return parser


def _log(line: str) -> None:
    print(line, flush=True)


def _describe_run(run: RunResult) -> str:
    way = "naive" if run.style == NAIVE else "zdm"
    lq = "long txn" if run.lock_queue else "        "
    head = f"  {run.scenario:<20} {way:<5} {lq}"
    if run.migration is None or run.baseline is None:
        return f"{head}  {run.status}: {run.detail}"
    status = "" if run.status == OK else f"  {run.status.upper()}: {run.detail}"
    return (
        f"{head}  migration {run.migration_s:6.2f} s  p99 {run.baseline.p99_ms:6.1f} → "
        f"{run.migration.p99_ms:8.1f} ms  max {run.migration.max_ms:8.0f} ms  "
        f"errors {run.migration.errors}  [{run.wall_s:.1f} s]{status}"
    )


def run_scenarios(
    server: SeededServer, settings: BenchSettings, keys: Sequence[str] | None, worker: LoadWorker
) -> list[RunResult]:
    """Every selected scenario, naive then alembic-zdm, without then with a long transaction."""
    selected = [by_key(k) for k in keys] if keys else list(SCENARIOS)
    runs = []
    for scenario in selected:
        for lock_queue in (True,) if scenario.lock_queue_only else (False, True):
            for style in (NAIVE, ZDM):
                run = run_scenario(server, scenario, style, lock_queue, settings, _log, worker)
                _log(_describe_run(run))
                runs.append(run)
    return runs


def _log_side_by_side(runs: Sequence[RunResult], settings: BenchSettings) -> None:
    """Worst application latency of each scenario with a long transaction: naive | zdm."""
    _log(
        f"\nwith a {settings.blocker_hold_s:g} s transaction holding the table "
        f"(target for alembic-zdm: ≤ {settings.lock_timeout_ms + 100} ms, 0 errors):"
    )
    for scenario in SCENARIOS:
        pair = {r.style: r for r in runs if r.scenario == scenario.key and r.lock_queue}
        if len(pair) < 2:
            continue
        cells = []
        for style in (NAIVE, ZDM):
            run = pair.get(style)
            if run is None or run.migration is None:
                cells.append(f"{style} {run.status if run else 'not run'}")
                continue
            cells.append(f"{style} {run.migration.max_ms:7.0f} ms, {run.migration.errors} errors")
        _log(f"  {scenario.title:<40} " + "  |  ".join(cells))


def lint_benchmark(quick: bool) -> str | None:
    """Output of ``bench/lint_bench.py`` (another engineer's), or ``None`` when absent."""
    if not (ROOT / "bench" / "lint_bench.py").exists():
        return None
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "bench.lint_bench", *(["--quick"] if quick else [])]
    try:
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
        )
    except subprocess.TimeoutExpired:
        return "the linter benchmark did not finish within 300 s"
    output = done.stdout + (done.stderr if done.returncode else "")
    if done.returncode:
        output += f"\n(exit status {done.returncode})"
    return output


def _write_outputs(rep: report.Report, stamp: str, docs: bool, write_json: bool) -> list[Path]:
    written = [report.write_json(rep, RESULTS / f"{stamp}.json")] if write_json else []
    limit = rep.settings.lock_timeout_ms + 100
    try:
        for scenario in SCENARIOS:
            runs = [r for r in rep.runs if r.scenario == scenario.key]
            if runs:
                path = plots.plot_scenario(runs, limit, RESULTS / "plots" / f"{scenario.key}.png")
                rep.plots[scenario.key] = path.name
                written.append(path)
    except ImportError:
        _log("matplotlib is not installed: no plots (pip install -e '.[dev]')")
    # an --overhead-only run keeps the last full run's page (docs and notes link it)
    overhead_only = rep.command.endswith("--overhead-only")
    latest = RESULTS / ("latest-overhead.md" if overhead_only else "latest.md")
    latest.write_text(report.results_markdown(rep))
    written.append(latest)
    if docs:
        folder = DOCS / "benchmarks"
        folder.mkdir(parents=True, exist_ok=True)
        for name in rep.plots.values():
            shutil.copyfile(RESULTS / "plots" / name, folder / name)
        page = DOCS / "benchmarks.md"
        page.write_text(report.docs_markdown(rep, "benchmarks/"))
        written.append(page)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; return the exit status."""
    args = _parser().parse_args(argv)
    if args.render:
        return render(Path(args.render), args.docs, args.strict)
    settings = BenchSettings.quick_run() if args.quick else BenchSettings.full()
    began = time.monotonic()
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    command = "python -m bench" + (" --quick" if args.quick else "")
    if args.overhead_only:
        command += " --overhead-only"
        rep = report.Report(stamp, command, settings, describe(_server_version()))
    else:
        _log(f"{command}: {settings.rows:,} rows, {settings.clients} clients")
        rep = _scenarios_report(args, settings, stamp, command, began)
        if not args.no_replica_lag:
            rep.replica_lag = replica_lag.run(settings, _log)
        if not args.no_conversion:
            lines: list[str] = []
            conversion.run(
                server_url(),
                settings.conversion_rows,
                lambda line: (_log(line), lines.append(line)),
            )
            rep.conversion_output = "\n".join(lines)
    if args.overhead_only or not args.no_overhead:
        measures = (
            overhead.import_overhead,
            overhead.upgrade_overhead,
            lambda s: overhead.upgrade_overhead_pg(s, server_url()),
            lambda s: overhead.upgrade_overhead_pg(s, server_url(), per_migration=False),
        )
        for measure in measures:
            cost = measure(settings)
            rep.overheads.append(cost)
            _log(
                f"  {cost.what}: {cost.with_plugin_s * 1000:.1f} ms with, "
                f"{cost.without_plugin_s * 1000:.1f} ms without ({cost.added_ms:+.1f} ms, {cost.ratio:.3f}×)"
            )
        rep.import_profile = overhead.import_profile()
        _log(f"  {rep.import_profile}")
    if not args.no_lint and not args.overhead_only:
        rep.lint_output = lint_benchmark(args.quick)
        if rep.lint_output is not None:
            _log(rep.lint_output.rstrip())
    rep.duration_s = round(time.monotonic() - began, 1)
    docs = args.docs or (
        not args.quick and not args.no_docs and not args.only and not args.overhead_only
    )
    return _finish(rep, docs, args.strict, write_json=True)


def _server_version() -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(sqlalchemy_url(server_url()))
    try:
        with engine.connect() as conn:
            return str(conn.execute(text("SELECT version()")).scalar())
    finally:
        engine.dispose()


def _scenarios_report(
    args: argparse.Namespace, settings: BenchSettings, stamp: str, command: str, began: float
) -> report.Report:
    """The scenarios, the backfill and the two-runners benchmark on a seeded server."""
    server = SeededServer(server_url(), settings.rows)
    _log(f"seeded in {time.monotonic() - began:.1f} s on {server.version.split(',')[0]}")
    rep = report.Report(stamp, command, settings, describe(server.version))
    try:
        with LoadWorker() as worker:
            rep.runs = run_scenarios(server, settings, args.only, worker)
            _log_side_by_side(rep.runs, settings)
            if not args.no_backfill:
                rep.backfill = backfill_bench.run_all(server, settings, _log, worker)
        if not args.no_two_runners:
            rep.two_runners = two_runners.run(server, settings, _log)
    finally:
        server.close()
    return rep


def _finish(rep: report.Report, docs: bool, strict: bool, write_json: bool) -> int:
    """Evaluate the targets, print them, write the outputs; return the exit status."""
    settings = rep.settings
    imports = next((o for o in rep.overheads if o.what == "import alembic"), None)
    upgrades = [o for o in rep.overheads if o.what.startswith("alembic upgrade")]
    rep.targets = [
        *targets.scenario_targets(rep.runs, settings),
        *(targets.backfill_targets(rep.backfill) if rep.backfill else []),
        *targets.overhead_targets(imports, upgrades[0] if upgrades else None, rep.import_profile),
        *(t for extra in upgrades[1:] for t in targets.overhead_targets(None, extra)),
        *(two_runners.targets(rep.two_runners) if rep.two_runners else []),
        *(replica_lag.targets(rep.replica_lag) if rep.replica_lag else []),
    ]
    written = _write_outputs(rep, rep.started, docs, write_json)
    for line in plain_guard.log_lines(rep.runs, rep.overheads, settings):
        _log(line)
    _log("\ntargets:")
    for target in rep.targets:
        note = f"  ({target.note})" if target.note and not target.passed else ""
        _log(f"  {target.verdict}  {target.name}: {target.measured} (limit {target.limit}){note}")
    _log(
        f"\n{len(rep.targets) - len(rep.misses)} of {len(rep.targets)} targets met; "
        f"{rep.duration_s:.0f} s in total"
    )
    for path in written:
        _log(f"wrote {path.relative_to(ROOT)}")
    return 1 if strict and rep.misses else 0


def render(path: Path, docs: bool, strict: bool) -> int:
    """Rebuild the outputs of the run recorded in *path* (nothing is measured)."""
    rep = report.from_json(json.loads(path.read_text()))
    _log(f"rendering {rep.command} of {rep.started} from {path.name}")
    return _finish(rep, docs, strict, write_json=False)


if __name__ == "__main__":
    raise SystemExit(main())
