"""Run a public Alembic history with and without alembic-zdm and compare the catalogs.

Usage (from the repository root, in its virtualenv, PostgreSQL from ``$ZDM_TEST_PG_URL``)::

    python tools/real_histories.py MIRROR [PATH] [--history NAME]
    python tools/real_histories.py --mirrors ROOT [--history NAME ...] [--add-phased]
        [--kill REV ... [--kill-delays 0,0.01,0.05,0.2]] [--json FILE] [--keep]

``MIRROR`` is a bare git clone of a project (``git clone --mirror URL``); ``PATH`` the
folder of its migrations inside it (default: the path in history_table.py).
``--mirrors ROOT`` runs every history of that table whose mirror is found under ``ROOT``
as ``owner+name``, ``owner+name/repo`` or ``owner+name.git``.

For each history the folder is exported from ``HEAD`` into a temporary directory
(``git archive``; nothing of it enters this repository), the application modules its
env.py and revisions import are replaced by the stand-ins of history_table.py, the PyPI
packages it imports are installed into the running virtualenv when missing (for the run,
not as dependencies of alembic-zdm), and an ``alembic.ini`` points at a fresh database.
Then, each command in its own interpreter:

* **stock**: ``alembic upgrade head`` with alembic-zdm's ``alembic.plugins`` entry
  point hidden (as bench/overhead.py does), then ``downgrade base``;
* **phased**: with the plugin, in a fresh database, ``upgrade zdm-phase:1``,
  ``zdm-phase:2``, ``head``, ``alembic-zdm doctor`` (it must find nothing), then
  ``downgrade base``;
* **head**: with the plugin, in a fresh database, ``upgrade head``, ``downgrade base``;
* **lint**: ``alembic-zdm lint`` over the revision files, counted per rule.

The catalog after each upgrade and downgrade (history_catalog.py; the plugin's state
table left out) must equal stock's. Where the history's own ``downgrade()`` fails in
stock too, both sides are then taken down to the revision whose undo failed and compared
there. ``--add-phased`` first puts a phased revision of our own on top of the history's
head, so the phase runner also meets the history's env.py with a phased revision pending.
``--kill REV`` SIGKILLs the runner inside revision REV, re-runs, and compares again
(history_kill.py).
A summary per history gives the revisions, the transaction shapes found in them, the
lint counts, the differences, the times and the state rows. Exit status 1 when a catalog
differs or a plugin run fails where stock passed.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from history_catalog import catalog, diff, heads, lint_counts, revision_ids, shapes, state_counts
from history_kill import KillRun, kill_runs
from history_kill import problems as kill_problems
from history_runner import Databases, Outcome, alembic, export, write_ini
from history_table import HISTORIES, PROBE, History, install_packages, write_stubs

# -- one history, end to end -------------------------------------------------------------

_PLANS = {
    "stock": ("stock", [["upgrade", "head"], ["downgrade", "base"]]),
    "phased": (
        "plugin",
        [["upgrade", "zdm-phase:1"], ["upgrade", "zdm-phase:2"], ["upgrade", "head"]]
        + [["alembic-zdm", "doctor"], ["downgrade", "base"]],
    ),
    "head": ("plugin", [["upgrade", "head"], ["downgrade", "base"]]),
}
"""run -> (interpreter: ``stock`` hides the plugin, ``plugin`` has it; its commands)."""


@dataclasses.dataclass
class Report:
    """What one history's runs found."""

    name: str
    shapes: dict[str, int]
    lint: dict[str, int]
    runs: dict[str, list[Outcome]] = dataclasses.field(default_factory=dict)
    diffs: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    states: dict[str, dict[str, int]] = dataclasses.field(default_factory=dict)
    catalog_size: dict[str, int] = dataclasses.field(default_factory=dict)
    kills: dict[str, list[KillRun]] = dataclasses.field(default_factory=dict)
    common_downgrade: str | None = None
    """The revision both sides were downgraded to, when ``downgrade base`` fails in stock."""

    def seconds(self, run: str) -> float:
        """Seconds of the upgrade commands of *run*."""
        return sum(o.seconds for o in self.runs.get(run, []) if o.command.startswith("upgrade"))

    def error(self, run: str, verb: str) -> str | None:
        """How *run* ended its *verb* commands: the first failed upgrade, the last downgrade."""
        done = [o for o in self.runs.get(run, []) if o.command.startswith(verb)]
        if verb == "downgrade":
            return done[-1].error if done else None
        return next((o.error for o in done if o.error), None)

    def problems(self) -> list[str]:
        """Where the plugin's runs differ from stock: the history's own failures are not."""
        if self.runs and self.error("stock", "upgrade"):
            return ["stock upgrade head failed: nothing to compare (fix the stand-ins)"]
        found = []
        doctor = self.error("phased", "alembic-zdm")
        if doctor:
            found.append(f"doctor after zdm-phase:1 -> :2 -> head: {doctor}")
        found += [f"{rev} {p}" for rev, runs in self.kills.items() for p in kill_problems(runs)]
        for run in ("phased", "head"):
            for verb in ("upgrade", "downgrade"):
                key = f"{run} {verb}"
                stock_failed = self.error("stock", verb)
                if self.error(run, verb) and not stock_failed:
                    found.append(f"{key} failed where stock passed")
                if self.diffs.get(key) and not stock_failed:
                    found.append(f"{key}: {len(self.diffs[key])} catalog differences")
        return found


def add_probe(versions: Path, history: History) -> str:
    """Write alembic-zdm's own phased revision on top of the history's head; its id."""
    (head,) = heads(versions)
    source = PROBE.format(
        down=head,
        concurrently=history.dialect == "postgresql",
        commit_first=history.probe_commits,
    )
    (versions / "zdm_probe_phased.py").write_text(source)
    return "zdmprobe0001"


@dataclasses.dataclass(frozen=True)
class Options:
    """What to run besides the three runs: see the module docstring."""

    keep: bool = False
    probe: bool = False
    kill: tuple[str, ...] = ()
    kill_delays: tuple[float, ...] = (0.0, 0.01, 0.05, 0.2)


def run_history(name: str, mirror: Path, path: str, options: Options) -> Report:
    """Export, stub, run stock / phased / head (and kills), compare; the :class:`Report`."""
    history = HISTORIES[name]
    workdir = Path(tempfile.mkdtemp(prefix=f"zdm-history-{name}-"))
    try:
        folder = export(mirror, path, workdir / "src")
        report = Report(name, shapes(folder / "versions"), {})
        report.lint = lint_counts(folder / "versions", history.target, workdir)
        if history.skip:
            return report
        if options.probe:
            add_probe(folder / "versions", history)
        write_stubs(history, workdir / "stubs")
        install_packages(history)
        dbs = Databases(history.dialect, workdir)
        try:
            reference = _runs(report, history, folder, workdir, dbs)
            known = set(revision_ids(folder / "versions"))
            for revision in [r for r in options.kill if r in known] if reference else []:
                delays = list(options.kill_delays)
                found = kill_runs(history, folder, workdir, dbs, revision, delays, reference)
                report.kills[revision] = found
        finally:
            dbs.drop_all()
        return report
    finally:
        if options.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def _runs(
    report: Report, history: History, folder: Path, workdir: Path, dbs: Databases
) -> dict[str, Any] | None:
    """The three runs and their comparisons; stock's catalog after ``upgrade head``."""
    snapshots: dict[str, dict[str, Any]] = {}
    for run, (side, commands) in _PLANS.items():
        url = dbs.new(run)
        write_ini(workdir, folder, url)
        report.runs[run] = []
        for args in commands:
            outcome = alembic(side, workdir, url, history, *args)
            report.runs[run].append(outcome)
            (workdir / f"{run}-{'-'.join(args)}.log").write_text(outcome.log)
            line = f"  {run:6} {' '.join(args):18} {outcome.seconds:6.1f} s  "
            print(line + (outcome.error or "ok"), flush=True)
            if outcome.error and args[0] == "upgrade":
                break
            if args == ["upgrade", "head"] or args[0] == "downgrade":
                snapshots[f"{run} {args[0]}"] = catalog(url)
                if side == "plugin":
                    report.states[f"{run} {args[0]}"] = state_counts(url)
    _down_to_common(report, history, workdir, dbs, snapshots)
    if "stock upgrade" in snapshots:
        report.catalog_size = {k: len(v) for k, v in snapshots["stock upgrade"].items()}
    for key in ("phased upgrade", "head upgrade", "phased downgrade", "head downgrade"):
        reference = snapshots.get("stock " + key.split()[1])
        if reference and key in snapshots:
            report.diffs[key] = diff(reference, snapshots[key])
    return snapshots.get("stock upgrade")


_UNDO_FAILED = re.compile(r"The undo \w+ of (\w+) ")


def _down_to_common(
    report: Report, history: History, workdir: Path, dbs: Databases, snapshots: dict[str, Any]
) -> None:
    """Where the history's own downgrade fails in stock too, compare down to that revision.

    Stock and the plugin stop at the same broken ``downgrade()``, but not in the same
    place: an outer transaction (env.py's own, or SQLAlchemy 2's auto-begun one) rolls
    all of stock's run back, while the phase runner keeps every undo step that finished.
    ``downgrade REV``, REV the revision whose undo failed, brings both to the lowest
    revision each can reach, which is then compared.
    """
    if not report.error("stock", "downgrade"):
        return
    found = {run: _UNDO_FAILED.search(report.error(run, "downgrade") or "") for run in _PLANS}
    revisions = {m.group(1) for m in found.values() if m}
    if len(revisions) != 1:
        return
    (revision,) = revisions
    for run, (side, _) in _PLANS.items():
        if not report.error(run, "downgrade"):
            continue
        url = dbs.made[list(_PLANS).index(run)]
        write_ini(workdir, workdir / "src" / HISTORIES[report.name].path, url)
        outcome = alembic(side, workdir, url, history, "downgrade", revision)
        report.runs[run].append(outcome)
        print(
            f"  {run:6} downgrade {revision:12} {outcome.seconds:6.1f} s  {outcome.error or 'ok'}"
        )
        if not outcome.error:
            snapshots[f"{run} downgrade"] = catalog(url)
            if side == "plugin":
                report.states[f"{run} downgrade"] = state_counts(url)
    report.common_downgrade = revision


# -- output ----------------------------------------------------------------------------


def summary(report: Report) -> str:
    """A few lines per history for the terminal."""
    out = [f"== {report.name}: {report.shapes.get('revisions', 0)} revisions"]
    seen = ", ".join(f"{k} {v}" for k, v in report.shapes.items() if k != "revisions")
    out.append(f"  shapes: {seen or 'none'}")
    rules = ", ".join(f"{k} {v}" for k, v in report.lint.items())
    out.append(f"  lint: {sum(report.lint.values())} findings: {rules}")
    if not report.runs:
        return "\n".join([*out, "  not run: " + HISTORIES[report.name].skip])
    size = ", ".join(f"{k} {v}" for k, v in report.catalog_size.items())
    out.append(f"  stock catalog: {size}")
    for run, outcomes in report.runs.items():
        out += [f"  {run} {o.command}: FAILED: {o.error}" for o in outcomes if o.error]
    if any(o.command == "alembic-zdm doctor" for o in report.runs.get("phased", [])):
        found = report.error("phased", "alembic-zdm")
        out.append(f"  doctor after zdm-phase:1 -> :2 -> head: {found or 'no leftovers'}")
    for key in ("phased upgrade", "head upgrade", "phased downgrade", "head downgrade"):
        lines = report.diffs.get(key)
        note = ""
        if report.error("stock", key.split()[1]):
            note = " (stock failed too: compared where each stopped)"
        elif key.endswith("downgrade") and report.common_downgrade:
            note = f" (at {report.common_downgrade}: its own downgrade fails in stock too)"
        if lines is None:
            out.append(f"  catalog {key} vs stock: not compared (the run stopped)")
        elif lines:
            out.append(f"  catalog {key} vs stock: {len(lines)} DIFFERENCES{note}")
            out += [f"    {line[:400]}" for line in lines[:20]]
        else:
            out.append(f"  catalog {key} vs stock: same{note}")
    out.append(
        f"  upgrade time: stock {report.seconds('stock'):.1f} s, "
        f"zdm-phase:1 -> :2 -> head {report.seconds('phased'):.1f} s, "
        f"plugin head {report.seconds('head'):.1f} s"
    )
    for revision, runs in report.kills.items():
        bad = kill_problems(runs)
        out.append(
            f"  killed inside {revision} at {len(runs)} points, re-run: "
            + ("; ".join(bad) if bad else "same catalog as stock, every step done")
        )
    for key, states in report.states.items():
        out.append(f"  state after {key}: " + (json.dumps(states) if states else "no rows"))
    problems = report.problems()
    out.append("  RESULT: " + ("; ".join(problems) if problems else "the plugin matches stock"))
    return "\n".join(out)


def as_json(report: Report) -> dict[str, Any]:
    """The report as plain data (``--json``)."""
    return {
        "name": report.name,
        "shapes": report.shapes,
        "lint": report.lint,
        "catalog_size": report.catalog_size,
        "runs": {
            run: [
                {"command": o.command, "seconds": round(o.seconds, 2), "error": o.error}
                for o in outcomes
            ]
            for run, outcomes in report.runs.items()
        },
        "differences": report.diffs,
        "states": report.states,
        "kills": {
            rev: [dataclasses.asdict(run) for run in runs] for rev, runs in report.kills.items()
        },
        "problems": report.problems(),
    }


def _find_mirror(root: Path, history: History) -> Path | None:
    slug = history.repo.replace("/", "+")
    for candidate in (root / slug / "repo", root / slug, root / f"{slug}.git"):
        if (candidate / "HEAD").exists():
            return candidate
    return None


def _which(mirror: Path, path: str | None) -> str:
    text = str(mirror.resolve()).lower()
    for name, history in HISTORIES.items():
        owner, repo = history.repo.lower().split("/")
        if f"{owner}+{repo}" in text or f"/{repo}.git" in text or f"/{repo}/" in text + "/":
            if path is None or path.strip("/") == history.path:
                return name
    raise SystemExit(
        f"No history of the table matches {mirror}: pass --history NAME "
        f"(one of {', '.join(HISTORIES)})."
    )


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mirror", nargs="?", type=Path, help="a bare git mirror")
    parser.add_argument("path", nargs="?", help="the migrations folder inside it")
    parser.add_argument("--mirrors", type=Path, help="run every history found under ROOT")
    parser.add_argument("--history", action="append", choices=sorted(HISTORIES))
    parser.add_argument(
        "--add-phased",
        action="store_true",
        help="put a phased revision of alembic-zdm's own on top of the history's head",
    )
    parser.add_argument(
        "--kill",
        action="append",
        default=[],
        metavar="REV",
        help="SIGKILL the runner inside revision REV, re-run, compare (repeatable)",
    )
    parser.add_argument(
        "--kill-delays",
        default="0,0.01,0.05,0.2",
        help="seconds after REV's step starts to kill at (default: %(default)s)",
    )
    parser.add_argument("--json", type=Path, help="write the reports here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    jobs: list[tuple[str, Path, str]] = []
    if args.mirrors:
        for name in args.history or list(HISTORIES):
            mirror = _find_mirror(args.mirrors, HISTORIES[name])
            if mirror is None:
                print(f"{name}: no mirror of {HISTORIES[name].repo} under {args.mirrors}")
                continue
            jobs.append((name, mirror, HISTORIES[name].path))
    elif args.mirror:
        name = args.history[0] if args.history else _which(args.mirror, args.path)
        jobs.append((name, args.mirror, args.path or HISTORIES[name].path))
    else:
        parser.error("give a MIRROR (and PATH) or --mirrors ROOT")
    options = Options(
        keep=args.keep,
        probe=args.add_phased,
        kill=tuple(args.kill),
        kill_delays=tuple(float(d) for d in args.kill_delays.split(",")),
    )
    reports = []
    for name, mirror, path in jobs:
        print(f"{name}: {HISTORIES[name].repo} {path}", flush=True)
        reports.append(run_history(name, mirror, path, options))
        print(summary(reports[-1]), flush=True)
    if args.json:
        args.json.write_text(json.dumps([as_json(r) for r in reports], indent=1) + "\n")
    return 1 if any(r.problems() for r in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
