"""``alembic-zdm rollback``: undo the completed phases of in-flight revisions."""

from __future__ import annotations

import argparse
from typing import Any

from ._common import project_config


def add_parser(subparsers: Any) -> None:
    """Register the subcommand."""
    p = subparsers.add_parser(
        "rollback",
        help="undo the completed phases of partially applied revisions",
        description="Undo, newest first, every completed phase of revisions not yet in the version table.",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the rollback and say what was undone."""
    from ..phases.commands import rollback

    steps = rollback(project_config(args))
    if not steps:
        print("Nothing to roll back: no revision is partially applied.")
    for step in steps:
        print(f"rolled back: {step.describe()}")
    return 0
