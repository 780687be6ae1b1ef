"""``alembic-zdm upgrade [--phase N] [REVISION]``: the same as ``alembic upgrade``."""

from __future__ import annotations

import argparse
from typing import Any

from ._common import project_config


def add_parser(subparsers: Any) -> None:
    """Register the subcommand."""
    p = subparsers.add_parser(
        "upgrade",
        help="run pending phases (phase-major) up to --phase or the target",
        description="Upgrade, phase-aware. 'upgrade --phase 2' == 'alembic upgrade zdm-phase:2'.",
    )
    p.add_argument("revision", nargs="?", default="heads", help="target revision (default: heads)")
    p.add_argument(
        "--phase", default=None, help="highest phase to run: 1/expand, 2/migrate, 3/contract"
    )
    p.add_argument("--sql", action="store_true", help="offline mode: print the SQL")
    p.add_argument("--tag", default=None, help="arbitrary tag for env.py")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the upgrade."""
    from ..phases.commands import upgrade

    upgrade(project_config(args), args.revision, sql=args.sql, tag=args.tag, phase=args.phase)
    return 0
