"""``alembic-zdm generate PATTERN --table … --column …``: a phased revision from a pattern."""

from __future__ import annotations

import argparse
from typing import Any

from ._common import project_config

PATTERN_FLAGS = {
    "add-check-constraint": "--name NAME --condition SQL",
    "add-foreign-key": "--column C --references TABLE.COLUMN [--name NAME]",
    "add-index": "--column C [--column C2 …] [--unique] [--name NAME]",
    "add-required-column": "--column C --type TYPE --default SQL",
    "add-unique-constraint": "--column C [--column C2 …] [--name NAME]",
    "change-column-type": "--column C --type TYPE [--using SQL]",
    "drop-column": "--column C",
    "drop-table": "(--table only)",
    "rename-column": "--column C --to NEW_NAME",
    "set-not-null": "--column C",
}
"""Each pattern of :mod:`alembic_zdm.phases.generate` and the flags it needs (kept here
so parsing stays cheap; a test checks both lists agree)."""

PATTERN_NAMES = tuple(PATTERN_FLAGS)


def add_parser(subparsers: Any) -> None:
    """Register the subcommand."""
    p = subparsers.add_parser(
        "generate",
        help="write a phased revision for a common change (rename, type change, index …)",
        description=(
            "Write a new phased revision (expand / migrate / contract) for a common change, "
            "through Alembic's revision machinery; the project's script.py.mako must be "
            "phase-aware (alembic-zdm init --existing)."
        ),
        epilog="patterns and the flags each needs (all need --table):\n"
        + "\n".join(f"  {name:<23} {flags}" for name, flags in PATTERN_FLAGS.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "pattern",
        choices=PATTERN_NAMES,
        metavar="PATTERN",
        help="the change to write: " + ", ".join(PATTERN_NAMES),
    )
    p.add_argument("--table", required=True, help="the table the change is about")
    p.add_argument("--column", action="append", default=[], help="column (repeat for several)")
    p.add_argument("--to", help="new name (rename-column)")
    p.add_argument("--type", help="SQLAlchemy type expression, e.g. 'sa.BigInteger()'")
    p.add_argument("--default", help="server default SQL (add-required-column)")
    p.add_argument("--using", help="conversion SQL expression (change-column-type)")
    p.add_argument("--references", help="TABLE.COLUMN (add-foreign-key)")
    p.add_argument("--condition", help="SQL condition (add-check-constraint)")
    p.add_argument("--name", dest="object_name", help="index or constraint name")
    p.add_argument("--unique", action="store_true", help="unique index (add-index)")
    p.add_argument("-m", "--message", help="revision message (default: from the pattern)")
    p.add_argument("--rev-id", help="revision id (default: generated)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the revision and print its path."""
    from ..phases.generate import Options, generate

    options = Options(
        table=args.table,
        columns=tuple(args.column),
        to=args.to,
        type=args.type,
        default=args.default,
        using=args.using,
        references=args.references,
        condition=args.condition,
        name=args.object_name,
        unique=args.unique,
    )
    path = generate(project_config(args), args.pattern, options, args.message, args.rev_id)
    print(f"Generated {path}")
    return 0
