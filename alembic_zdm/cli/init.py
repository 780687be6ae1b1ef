"""``alembic-zdm init DIR`` and ``init --existing``: the phase-aware revision template."""

from __future__ import annotations

import argparse
from typing import Any

from ._common import project_config


def add_parser(subparsers: Any) -> None:
    """Register the subcommand."""
    p = subparsers.add_parser(
        "init",
        help="new Alembic environment with the phase-aware template, or add it to an existing one",
        description=(
            "'init DIR' runs alembic init with the phase-aware revision template; "
            "'init --existing' installs that template (script.py.mako) in the project's "
            "environment, keeps the old one as script.py.mako.bak, and prints what is left "
            "to do by hand."
        ),
    )
    p.add_argument("directory", nargs="?", help="folder of the new environment (e.g. migrations)")
    p.add_argument(
        "--existing",
        action="store_true",
        help="add the phase-aware script.py.mako to the project's existing environment",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Create or update the environment and say what the user must still do."""
    from ..phases.scaffold import init_existing, init_new

    if args.existing:
        for line in init_existing(project_config(args)):
            print(line)
        return 0
    if not args.directory:
        from ..errors import ConfigError

        raise ConfigError(
            "init needs a DIRECTORY (e.g. 'alembic-zdm init migrations'), or --existing."
        )
    for line in init_new(args.directory, args.config or "alembic.ini"):
        print(line)
    return 0
