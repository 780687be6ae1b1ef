"""``alembic-zdm doctor``: leftovers of failed or half-done migrations, with their fixes."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ._common import project_config


def add_parser(subparsers: Any) -> None:
    """Register the subcommand."""
    p = subparsers.add_parser(
        "doctor",
        help="find INVALID indexes, unvalidated constraints, orphan triggers, stuck phases",
        description=(
            "Look for what failed or half-done migrations leave behind: INVALID indexes, "
            "NOT VALID constraints never validated, dual-write triggers and functions and "
            "zdm_ columns no in-flight revision owns, phases stuck in running or failed. "
            "Each finding comes with the SQL or command that fixes it; exit 1 when "
            "something is found."
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
    """Print the findings; exit 1 when there are any."""
    from ..doctor import diagnose

    findings = diagnose(project_config(args))
    if args.format == "json":
        print(json.dumps([f.as_dict() for f in findings], indent=2))
        return 1 if findings else 0
    if not findings:
        print(
            "No leftovers found: no INVALID index, unvalidated constraint, orphan trigger or stuck phase."
        )
        return 0
    for f in findings:
        print(f"{f.kind}: {f.object}\n    {f.detail}\n    fix: {f.fix}")
    print(f"\n{len(findings)} finding(s).")
    return 1
