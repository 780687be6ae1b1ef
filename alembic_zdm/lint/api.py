"""The linter's programmatic API; ``alembic-zdm lint`` is a thin shell around it.

.. code-block:: python

    from alembic_zdm.lint import api

    result = api.lint_paths([Path("migrations/versions")])
    for finding in result.findings:
        print(finding.path, finding.line, finding.rule, finding.message)
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .. import __version__
from .cache import CACHE_DIR_NAME, ResultCache, digest
from .engine import Linter
from .model import Finding, Severity
from .selection import changed_since, discover, newer_than
from .settings import LintSettings, LintUsageError

PARSE_ERROR_RULE = "ZDM005"


@dataclasses.dataclass
class LintResult:
    """Findings of one run and how many files were read."""

    findings: list[Finding]
    files: int
    fail_level: Severity = Severity.WARNING

    @property
    def exit_code(self) -> int:
        """2 if a file could not be read (ZDM005), 1 if a finding reaches the fail level, else 0."""
        if any(f.rule == PARSE_ERROR_RULE for f in self.findings):
            return 2
        return 1 if any(f.severity >= self.fail_level for f in self.findings) else 0


@dataclasses.dataclass(frozen=True)
class LintOptions:
    """What to lint and how (everything beyond the settings)."""

    paths: Sequence[Path] = ()
    sql_files: Sequence[str] = ()
    since: str | None = None
    baseline: str | None = None
    cache_dir: Path | None = None
    root: Path = dataclasses.field(default_factory=Path.cwd)


def display(path: Path, root: Path) -> str:
    """*path* relative to *root* when inside it, for stable output."""
    full = os.path.abspath(path)
    base = os.path.abspath(root)
    if full.startswith(base + os.sep):
        return full[len(base) + 1 :].replace(os.sep, "/")
    return path.as_posix()


def select_files(options: LintOptions, settings: LintSettings) -> list[Path]:
    """The revision files of this run, after ``exclude``, ``--since`` and ``--baseline``."""
    files = discover(options.paths, settings.exclude, options.root)
    if options.since:
        files = changed_since(files, options.since, options.root)
    if options.baseline:
        files = newer_than(files, options.baseline)
    return files


def lint(options: LintOptions, settings: LintSettings | None = None) -> LintResult:
    """Lint revision files and SQL scripts; the heart of ``alembic-zdm lint``."""
    settings = settings or LintSettings()
    linter = Linter(settings)
    cache = None
    if options.cache_dir is not None:
        key = hashlib.blake2b(
            f"{__version__}|{settings.fingerprint()}".encode(), digest_size=8
        ).hexdigest()
        cache = ResultCache(options.cache_dir, key)
    findings: list[Finding] = []
    files = select_files(options, settings) if options.paths else []
    for path in files:
        findings.extend(_lint_one(linter, path, display(path, options.root), cache, sql=False))
    for name in options.sql_files:
        if name == "-":
            findings.extend(linter.lint("<stdin>", sys.stdin.read(), sql=True))
            continue
        path = Path(name)
        if not path.is_file():
            raise LintUsageError(f"No such SQL file: {name}.")
        findings.extend(_lint_one(linter, path, display(path, options.root), cache, sql=True))
    if cache is not None:
        cache.save()
    return LintResult(findings, len(files) + len(options.sql_files), settings.fail_level)


def _lint_one(
    linter: Linter, path: Path, shown: str, cache: ResultCache | None, *, sql: bool
) -> list[Finding]:
    data = path.read_bytes()
    key = digest(data, sql) if cache is not None else ""
    if cache is not None:
        cached = cache.get(key, shown)
        if cached is not None:
            return cached
    findings = linter.lint(shown, data.decode("utf-8", errors="replace"), sql=sql)
    if cache is not None:
        cache.put(key, findings)
    return findings


def lint_source(
    source: str, path: str = "<string>", settings: LintSettings | None = None, *, sql: bool = False
) -> list[Finding]:
    """Lint one revision (or SQL script) given as text."""
    return Linter(settings or LintSettings()).lint(path, source, sql=sql)


def default_cache_dir(root: Path) -> Path:
    """``.alembic_zdm_cache`` in the project folder (``$ALEMBIC_ZDM_CACHE_DIR`` overrides)."""
    env = os.environ.get("ALEMBIC_ZDM_CACHE_DIR")
    return Path(env) if env else root / CACHE_DIR_NAME
