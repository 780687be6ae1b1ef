"""``alembic-zdm history``: past phase runs with durations and outcomes."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ._common import project_config


def add_parser(subparsers: Any) -> None:
    """Register the subcommand."""
    p = subparsers.add_parser(
        "history",
        help="past phase runs with durations and outcomes",
        description=(
            "List every recorded phase run in the order it ran: revision, phase, status, "
            "start time (UTC), duration, attempts (runs of the phase in its current "
            "direction: an undo starts counting again) and the error of a failed run."
        ),
    )
    p.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text for people (default), json for scripts",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the history."""
    from ..phases.report import history

    rows = history(project_config(args))
    if args.format == "json":
        print(json.dumps([r.as_dict() for r in rows], indent=2))
        return 0
    if not rows:
        print("No phase has run yet.")
        return 0
    print(
        f"{'revision':<14} {'phase':<9} {'status':<12} {'started (UTC)':<20} {'ms':>8}  attempts  error"
    )
    for r in rows:
        started = r.started_at.strftime("%Y-%m-%d %H:%M:%S") if r.started_at else "-"
        ms = str(r.duration_ms) if r.duration_ms is not None else "-"
        print(
            f"{r.revision:<14} {r.phase.label:<9} {r.status:<12} {started:<20} {ms:>8}  "
            f"{r.attempts:>8}  {r.error or ''}"
        )
    return 0
