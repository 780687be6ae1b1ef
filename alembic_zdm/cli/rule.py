"""``alembic-zdm rule ZDM101``: print a rule's documentation; ``--list`` lists them all."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_parser(subparsers: Any) -> None:
    """Register the ``rule`` subcommand."""
    parser = subparsers.add_parser(
        "rule",
        help="show the documentation of a lint rule",
        description="Show a lint rule's documentation, or list every rule.",
    )
    parser.add_argument(
        "rule_id",
        nargs="?",
        metavar="RULE",
        help="rule id (ZDM101) or name (create-index-blocking)",
    )
    parser.add_argument("--list", action="store_true", help="list every rule")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the documentation (or the list); exit 2 for an unknown rule."""
    from alembic_zdm.lint import docs
    from alembic_zdm.lint.registry import all_rules

    rules = all_rules()
    if args.list or not args.rule_id:
        sys.stdout.write(docs.rule_table(rules.values()))
        return 0
    wanted = args.rule_id.strip()
    rule = rules.get(wanted.upper()) or next(
        (r for r in rules.values() if r.name == wanted.lower()), None
    )
    if rule is None:
        print(
            f"alembic-zdm rule: error: unknown rule {wanted!r}; see 'alembic-zdm rule --list'.",
            file=sys.stderr,
        )
        return 2
    sys.stdout.write(docs.rule_page(rule))
    return 0
