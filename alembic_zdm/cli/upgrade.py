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
    p.add_argument(
        "--skip-backup",
        action="store_true",
        help="contract steps drop without keeping the data (same as -x zdm_backup=false)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the upgrade."""
    from ..phases.commands import upgrade

    if args.skip_backup:
        args.x = [*(args.x or []), "zdm_backup=false"]
    upgrade(project_config(args), args.revision, sql=args.sql, tag=args.tag, phase=args.phase)
    return 0
