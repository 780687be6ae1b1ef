"""``alembic-zdm downgrade REVISION``: the same as ``alembic downgrade``, phase-aware."""

from __future__ import annotations

import argparse
from typing import Any

from ._common import project_config


def add_parser(subparsers: Any) -> None:
    """Register the subcommand."""
    p = subparsers.add_parser(
        "downgrade",
        help="undo completed phases in reverse order down to a revision",
        description="Downgrade, phase-aware: in-flight phases are undone first.",
    )
    p.add_argument("revision", help="target revision (e.g. -1, base, zdm-phase:1)")
    p.add_argument("--sql", action="store_true", help="offline mode: print the SQL")
    p.add_argument("--tag", default=None, help="arbitrary tag for env.py")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the downgrade."""
    from ..phases.commands import downgrade

    downgrade(project_config(args), args.revision, sql=args.sql, tag=args.tag)
    return 0
