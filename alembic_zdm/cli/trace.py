"""``alembic-zdm trace [TARGET]``: run pending revisions on a scratch database, report locks."""

from __future__ import annotations

import argparse
from typing import Any

from ._common import make_config


def add_parser(subparsers: Any) -> None:
    """Register the subcommand."""
    p = subparsers.add_parser(
        "trace",
        help="run the revisions phase by phase on a scratch database and report the locks "
        "each statement took, rewrites and scans",
        description="Runs the revisions up to TARGET phase by phase (zdm-phase:1, :2, then "
        "TARGET) on a scratch database — --url, or a fresh database created on the "
        "configured server and dropped afterwards — and reports per statement the locks "
        "taken and how long they were held, whether readers or writers were blocked, "
        "rewrites and scans. Exits 1 when a statement kept writers out longer than "
        "--max-write-block-ms.",
    )
    p.add_argument(
        "target", nargs="?", default="heads", help="revision to trace up to (default: heads)"
    )
    p.add_argument("--url", default=None, help="scratch database URL (never a production database)")
    p.add_argument(
        "--from",
        dest="start",
        default=None,
        help="upgrade the scratch database to this revision first, untraced (default: base)",
    )
    p.add_argument(
        "--max-write-block-ms",
        type=float,
        default=None,
        help="fail (exit 1) when a statement blocks writes longer than this (default: 1000)",
    )
    p.add_argument(
        "--format",
        choices=("text", "json", "markdown", "github"),
        default="text",
        help="output format (default: text)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Trace and print; exit 1 on a violation."""
    from ..trace.report import FORMATS
    from ..trace.run import DEFAULT_MAX_WRITE_BLOCK_MS, trace

    limit = args.max_write_block_ms
    report = trace(
        make_config(args),
        args.target,
        url=args.url,
        start=args.start,
        max_write_block_ms=DEFAULT_MAX_WRITE_BLOCK_MS if limit is None else limit,
    )
    text = FORMATS[args.format](report)
    if text:
        print(text)
    return 1 if report.violations() else 0
