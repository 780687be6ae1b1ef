"""``alembic-zdm plan [TARGET]``: SQL, locks and table effects of each pending phase."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ._common import project_config


def add_parser(subparsers: Any) -> None:
    """Register the subcommand."""
    p = subparsers.add_parser(
        "plan",
        help="what each pending phase would run: SQL, lock level, rewrite/scan, row estimates",
        description=(
            "For each pending revision and phase: every statement with its lock in the "
            "database's own terms, the table, whether it rewrites or fully scans the table, "
            "the lock wait limit in effect, row estimates from the catalog (when env.py can "
            "connect) and the revision's lint findings. Nothing is run."
        ),
    )
    p.add_argument(
        "target", nargs="?", default="heads", help="revision or zdm-phase:N (default: heads)"
    )
    p.add_argument("--phase", default=None, help="highest phase to plan (1/2/3 or a name)")
    p.add_argument(
        "--format",
        choices=("text", "json", "yaml"),
        default="text",
        help="text for people (default), json or yaml for scripts",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the plan."""
    from ..phases.plan import plan
    from ..phases.targets import parse_phase, parse_target

    target, phase = args.target, parse_phase(args.phase) if args.phase else None
    parsed = parse_target(target)
    if parsed is not None:
        target, phase = parsed.revision, phase or parsed.max_phase
    report = plan(project_config(args), target, phase)
    if args.format == "json":
        print(json.dumps(report.as_dict(), indent=2))
        return 0
    if args.format == "yaml":
        import yaml

        print(yaml.safe_dump(report.as_dict(), sort_keys=False), end="")
        return 0
    _print_text(report)
    return 0


_TIMEOUT_SETTING = {
    "mysql": "lock_wait_timeout",
    "mariadb": "lock_wait_timeout",
    "sqlite": "busy_timeout",
}
"""What each database calls the lock wait limit shown per statement."""


def _print_text(report: Any) -> None:
    from ..archive.sizes import describe

    where = (
        f"current: {', '.join(report.heads) or '(base)'}"
        if report.connected
        else f"not connected ({report.not_connected_because}): planned from base, offline"
    )
    print(where)
    if not report.steps:
        print("Nothing pending.")
        return
    setting = _TIMEOUT_SETTING.get(report.dialect, "lock_timeout")
    for step in report.steps:
        print(f"\n{step.revision} — {step.phase}")
        if step.error:
            print(f"    cannot plan offline: {step.error}")
        elif not step.statements:
            print("    (no SQL)")
        for st in step.statements:
            table = st.table or "-"
            rows = f" (~{st.estimated_rows:,} rows)" if st.estimated_rows is not None else ""
            if st.rows_unknown:
                rows = f" (rows unknown: never analysed; ANALYZE {st.table} to estimate)"
            effects = [e for e, on in (("rewrites", st.rewrites), ("full scan", st.scans)) if on]
            timeout = f", {setting} {st.lock_timeout_ms} ms" if st.lock_timeout_ms else ""
            first = st.sql.splitlines()[0]
            more = " …" if len(first) > 110 or len(st.sql.splitlines()) > 1 else ""
            effect = "; " + ", ".join(effects) if effects else ""
            print(f"  - {st.lock:<22} {table}{rows}{timeout}{effect}")
            print(f"      {first[:110]}{more}")
        for kept in step.keeps:
            print(f"    {describe(kept)}")
        for warning in step.warnings:
            print(f"    warning: {warning}")
        for finding in step.lint:
            print(f"    lint: {finding}")
