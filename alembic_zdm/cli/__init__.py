"""The ``alembic-zdm`` console script: parsing and printing only.

Each subcommand lives in its own module of this package and exposes
``add_parser(subparsers)``, which registers its parser with ``func=run``, and
``run(args) -> int``. The logic sits in programmatic APIs that take an Alembic
``Config`` (like ``alembic.command``).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from .. import __version__

SUBCOMMANDS = (
    "init",
    "status",
    "history",
    "plan",
    "upgrade",
    "downgrade",
    "rollback",
    "generate",
    "doctor",
    "lint",
    "rule",
    "trace",
    "archive",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every available subcommand."""
    parser = argparse.ArgumentParser(
        prog="alembic-zdm",
        description="Zero-downtime schema changes for Alembic.",
    )
    parser.add_argument("--version", action="version", version=f"alembic-zdm {__version__}")
    parser.add_argument(
        "-c",
        "--config",
        default=None,
        help="Alembic ini file (default: alembic.ini, $ALEMBIC_CONFIG)",
    )
    parser.add_argument(
        "-n", "--name", default="alembic", help="ini section name (default: alembic)"
    )
    parser.add_argument(
        "-x",
        action="append",
        default=[],
        help="additional arguments, as for alembic (-x key=value)",
    )
    parser.add_argument(
        "--raiseerr",
        "-v",
        "--verbose",
        dest="raiseerr",
        action="store_true",
        help="show the full traceback on error",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue
            raise
        module.add_parser(subparsers)
    for sub in subparsers.choices.values():  # also after the subcommand: status --raiseerr
        if "--raiseerr" not in sub._option_string_actions:
            sub.add_argument(
                "--raiseerr",
                *[f for f in ("-v", "--verbose") if f not in sub._option_string_actions],
                dest="raiseerr",
                action="store_true",
                default=argparse.SUPPRESS,
                help="show the full traceback on error",
            )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(list(argv) if argv is not None else None)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("alembic-zdm: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.raiseerr:
            raise
        from ._errors import describe

        sentence, code = describe(exc)
        print(f"alembic-zdm: error: {sentence}", file=sys.stderr)
        return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
