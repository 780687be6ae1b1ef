"""``alembic-zdm status``: pending and partially applied revisions, phase by phase."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ._common import project_config


def add_parser(subparsers: Any) -> None:
    """Register the subcommand."""
    p = subparsers.add_parser(
        "status",
        help="phases done and next, per pending revision",
        description=(
            "Show the database's current heads and, for each pending or partially applied "
            "revision, the state of each phase (done, failed, running, rolled_back), the "
            "phase that runs next, backfill checkpoints, and whether the revision file "
            "changed after a phase ran."
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
    """Print the status."""
    from ..phases.report import status

    heads, revisions = status(project_config(args))
    if args.format == "json":
        print(json.dumps({"heads": heads, "revisions": [r.as_dict() for r in revisions]}, indent=2))
        return 0
    print(f"current: {', '.join(heads) if heads else '(base)'}")
    if not revisions:
        print("Up to date: no pending revision.")
        return 0
    for rev in revisions:
        kind = "phased" if rev.phased else "plain"
        phases = "  ".join(f"{name}={state}" for name, state in rev.phases.items())
        nxt = f"next: {rev.next_phase}" if rev.next_phase else "complete"
        print(f"{rev.revision}  {rev.title}  [{kind}]  {phases}  -> {nxt}")
        for phase, checkpoint in rev.checkpoints.items():
            print(f"    {phase} checkpoint: {json.dumps(checkpoint, default=str)}")
        if rev.edited:
            print("    warning: the revision file changed after a phase ran")
    return 0
