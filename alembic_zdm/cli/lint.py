"""``alembic-zdm lint``: check revision files (and SQL scripts) for unsafe changes."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

FORMATS = ("text", "json", "github", "sarif")


def add_parser(subparsers: Any) -> None:
    """Register the ``lint`` subcommand."""
    parser = subparsers.add_parser(
        "lint",
        help="check revision files for changes that are unsafe under live traffic",
        description="Check revision files (read as Python AST, never imported) for changes that "
        "lock tables, rewrite them or break the running application. Exit status: 0 clean, "
        "1 findings at or above the fail level, 2 usage or parse error.",
    )
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="revision files or folders, or .sql scripts (default: the project's version locations)",
    )
    parser.add_argument(
        "--sql",
        action="append",
        default=[],
        metavar="FILE",
        help="lint a SQL script, e.g. the output of 'alembic upgrade --sql' ('-' = stdin)",
    )
    parser.add_argument(
        "--format", choices=FORMATS, default="text", help="output format (default: text)"
    )
    parser.add_argument(
        "--fail-level",
        choices=("error", "warning", "info"),
        default=None,
        help="lowest severity that fails the run (default: warning)",
    )
    parser.add_argument(
        "--target", default=None, help='database and oldest version, e.g. "postgresql>=15"'
    )
    parser.add_argument(
        "--select", default=None, help="comma-separated rule ids or prefixes to enable"
    )
    parser.add_argument(
        "--ignore", default=None, help="comma-separated rule ids or prefixes to disable"
    )
    parser.add_argument(
        "--since",
        metavar="GITREF",
        default=None,
        help="lint only revision files added or changed since GITREF",
    )
    parser.add_argument(
        "--baseline",
        metavar="REV",
        default=None,
        help="lint only revisions newer than REV in the down_revision chain",
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="result cache folder (default: .alembic_zdm_cache)",
    )
    parser.add_argument(
        "--no-cache", action="store_true", help="do not read or write the result cache"
    )
    parser.add_argument(
        "--output", "-o", type=Path, default=None, help="write the report to a file"
    )
    parser.add_argument(
        "--statistics",
        action="store_true",
        help="print the number of findings per rule instead of the findings (text or json)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Parse options, lint, print; the work happens in :mod:`alembic_zdm.lint.api`."""
    from alembic_zdm.lint import api, report, settings
    from alembic_zdm.lint.registry import all_rules

    try:
        rules = all_rules()
        config, pyproject = settings.load(Path.cwd(), rules)
        config = _overrides(config, args, tuple(rules))
        root = pyproject.parent if pyproject else Path.cwd()
        sql_files = [*args.sql, *(str(p) for p in args.paths if p.suffix == ".sql")]
        paths = [p for p in args.paths if p.suffix != ".sql"]
        if not paths and not sql_files:
            paths = _default_paths(args)
        cache_dir = None
        if not args.no_cache:
            cache_dir = args.cache_dir or (
                Path(config.cache_dir) if config.cache_dir else api.default_cache_dir(root)
            )
        options = api.LintOptions(
            paths=paths,
            sql_files=sql_files,
            since=args.since,
            baseline=args.baseline,
            cache_dir=cache_dir,
            root=Path.cwd(),
            pyproject=pyproject,
        )
        result = api.lint(options, config)
    except settings.LintUsageError as exc:
        if args.raiseerr:
            raise
        print(f"alembic-zdm lint: error: {exc}", file=sys.stderr)
        return 2
    if args.statistics:
        from alembic_zdm.lint.report import statistics

        fmt = "json" if args.format in ("json", "sarif") else "text"
        output = statistics.render(result.findings, result.files, rules, fmt)
    else:
        output = report.render(args.format, result.findings, result.files, rules)
    if args.output:
        args.output.write_text(output, encoding="utf-8")
    else:
        sys.stdout.write(output)
    for finding in result.findings:
        if finding.rule == api.PARSE_ERROR_RULE:
            print(
                f"alembic-zdm lint: error: cannot read {finding.path}:{finding.line}: {finding.message}",
                file=sys.stderr,
            )
    return result.exit_code


def _overrides(config: Any, args: argparse.Namespace, known: tuple[str, ...]) -> Any:
    from alembic_zdm.lint import settings

    changes: dict[str, Any] = {}
    if args.target:
        changes["target"] = settings.parse_target(args.target, "--target")
    for key in ("select", "ignore"):
        value = getattr(args, key)
        if value is not None:
            codes = tuple(c.strip().upper() for c in value.split(",") if c.strip())
            settings.check_codes(codes, known, f"--{key}")
            changes[key] = codes
    if args.fail_level:
        changes["fail_level"] = settings.parse_severity(args.fail_level, "--fail-level")
    return dataclasses.replace(config, **changes)


def _default_paths(args: argparse.Namespace) -> list[Path]:
    from alembic_zdm.cli._common import make_config
    from alembic_zdm.lint.project import version_locations

    return version_locations(make_config(args))
