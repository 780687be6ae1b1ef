"""``alembic-zdm generate PATTERN --table … --column …``: a phased revision from a pattern."""

from __future__ import annotations

import argparse
from typing import Any

from ._common import project_config

PATTERN_NAMES = (
    "add-check-constraint",
    "add-foreign-key",
    "add-index",
    "add-required-column",
    "add-unique-constraint",
    "change-column-type",
    "drop-column",
    "drop-table",
    "rename-column",
    "set-not-null",
)
"""The patterns of :mod:`alembic_zdm.phases.generate` (kept here so parsing stays cheap)."""


def add_parser(subparsers: Any) -> None:
    """Register the subcommand."""
    p = subparsers.add_parser(
        "generate",
        help="write a phased revision for a common change (rename, type change, index …)",
        description="Patterns: " + ", ".join(PATTERN_NAMES),
    )
    p.add_argument("pattern", choices=PATTERN_NAMES)
    p.add_argument("--table", required=True)
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
