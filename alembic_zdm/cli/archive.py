"""``alembic-zdm archive list | restore ID | purge [--older-than 30d] [--yes]``."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ._common import project_config


def add_parser(subparsers: Any) -> None:
    """Register the subcommand and its three actions."""
    p = subparsers.add_parser(
        "archive",
        help="data kept by contract steps: list, restore, purge",
        description=(
            "A contract step that drops a table moves it into the archive; one that drops "
            "a column copies its values with the primary key first (backup = true, the "
            "default). List what is kept, put one archive back, or drop old ones."
        ),
    )
    actions = p.add_subparsers(
        dest="action", metavar="ACTION", required=True, help="list, restore or purge"
    )
    ls = actions.add_parser("list", help="every archive: id, source, where, rows, size, age")
    ls.add_argument(
        "--format", choices=("text", "json"), default="text", help="text (default) or json"
    )
    rs = actions.add_parser(
        "restore",
        help="put an archive back (a table where it was, column values by key)",
        description=(
            "Move an archived table back under its own name, or copy archived column values "
            "back into their columns by primary key (re-adding the columns, nullable, when "
            "they are missing). The archive is dropped afterwards. Undoing the contract step "
            "(alembic-zdm rollback, alembic downgrade) does the same by itself."
        ),
    )
    rs.add_argument("id", type=int, help="the archive's id (alembic-zdm archive list)")
    pg = actions.add_parser(
        "purge",
        help="drop archives (all, or those older than --older-than); --yes to do it",
        description="Drop archives and forget them. Without --yes, only list what would go.",
    )
    pg.add_argument(
        "--older-than", default=None, help="only archives older than this: 30d, 12h, 2w"
    )
    pg.add_argument(
        "--id", type=int, action="append", default=None, help="only this archive (repeatable)"
    )
    pg.add_argument("--yes", action="store_true", help="really drop them")
    p.set_defaults(func=run)


def _size(value: int | None) -> str:
    if value is None:
        return "?"
    size = float(value)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TB"  # pragma: no cover


def _line(e: Any) -> str:
    rows = f"{e.rows:,}" if e.rows is not None else "?"
    when = e.created_at.strftime("%Y-%m-%d %H:%M") if e.created_at else "?"
    return (
        f"{e.id:>4}  {e.kind:<7}  {e.source:<32}  -> {e.archive}  rows {rows}  {_size(e.bytes)}  "
        f"{when}  ({e.op} in {e.revision or 'a plain upgrade'})"
    )


def run(args: argparse.Namespace) -> int:
    """Run the action."""
    from ..archive import commands

    cfg = project_config(args)
    if args.action == "list":
        entries = commands.list_archives(cfg)
        if args.format == "json":
            print(json.dumps([e.as_dict() for e in entries], indent=2, default=str))
        elif not entries:
            print("No archives: nothing kept by contract steps in this database.")
        for e in entries if args.format == "text" else []:
            print(_line(e))
        return 0
    if args.action == "restore":
        entry = commands.restore_archive(cfg, args.id)
        print(f"Restored {entry.source} from {entry.archive}; the archive is gone.")
        return 0
    age = commands.parse_age(args.older_than) if args.older_than else None
    entries = commands.purge_archives(cfg, age, args.id, dry_run=not args.yes)
    if not entries:
        print("Nothing to purge.")
        return 0
    for e in entries:
        print(_line(e))
    if args.yes:
        print(f"Purged {len(entries)} archive(s).")
    else:
        print(f"{len(entries)} archive(s) would be dropped; pass --yes to drop them.")
    return 0
