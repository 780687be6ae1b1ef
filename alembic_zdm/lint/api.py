"""The linter's programmatic API; ``alembic-zdm lint`` is a thin shell around it.

.. code-block:: python

    from alembic_zdm.lint import api

    result = api.lint(api.LintOptions(paths=[Path("migrations/versions")]))
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
from .model import NO_PROJECT, Finding, Project, Severity
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
    pyproject: Path | None = None
    """The project's ``pyproject.toml`` (for ``[tool.alembic_zdm]``), if any."""
    project_files: bool = True
    """Read ``env.py`` / ``alembic.ini`` of the revisions' project (see :mod:`.extract.project`)."""
    jobs: int | None = None
    """Worker processes for large runs (``None``: one per core when it pays, ``1``: none)."""


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


@dataclasses.dataclass
class _Job:
    path: Path
    shown: str
    sql: bool
    linter: int
    key: str = ""
    data: bytes = b""


class _Projects:
    """One :class:`Linter` per project (``env.py``) met in the run."""

    def __init__(self, settings: LintSettings, options: LintOptions) -> None:
        self.settings = settings
        self.options = options
        self.by_env: dict[Path | None, int] = {}
        self.env_of: dict[Path, Path | None] = {}
        self.linters: list[Linter] = []
        self.fingerprints: list[str] = []

    def linter_for(self, path: Path | None) -> int:
        env = None
        if path is not None and self.options.project_files:
            from .extract.project import find_env_py

            folder = path.parent
            if folder not in self.env_of:
                self.env_of[folder] = find_env_py(folder.resolve())
            env = self.env_of[folder]
        if env not in self.by_env:
            project = NO_PROJECT
            if self.options.project_files and (env is not None or self.options.pyproject):
                from .extract.project import read_project

                project = read_project(env, self.options.root, self.options.pyproject)
            settings = self.settings.for_project(project)
            self.by_env[env] = len(self.linters)
            self.linters.append(Linter(settings, project))
            self.fingerprints.append(f"{settings.fingerprint()}|{project.fingerprint()}")
        return self.by_env[env]


def lint(options: LintOptions, settings: LintSettings | None = None) -> LintResult:
    """Lint revision files and SQL scripts; the heart of ``alembic-zdm lint``."""
    settings = settings or LintSettings()
    projects = _Projects(settings, options)
    cache = None
    if options.cache_dir is not None:
        key = hashlib.blake2b(
            f"{__version__}|{settings.fingerprint()}".encode(), digest_size=8
        ).hexdigest()
        cache = ResultCache(options.cache_dir, key)
    files = select_files(options, settings) if options.paths else []
    jobs = [_Job(p, display(p, options.root), False, projects.linter_for(p)) for p in files]
    stdin: list[Finding] = []
    for name in options.sql_files:
        if name == "-":
            linter = projects.linters[projects.linter_for(None)]
            stdin.extend(linter.lint("<stdin>", sys.stdin.read(), sql=True))
            continue
        path = Path(name)
        if not path.is_file():
            raise LintUsageError(f"No such SQL file: {name}.")
        jobs.append(_Job(path, display(path, options.root), True, projects.linter_for(path)))
    results = _run(jobs, projects, cache, options.jobs)
    if cache is not None:
        cache.save()
    findings = [f for found in results for f in found] + stdin
    return LintResult(findings, len(files) + len(options.sql_files), settings.fail_level)


PARALLEL_MIN_FILES = 48
"""Below this many files to lint, starting worker processes costs more than it saves."""

_WORKER_LINTERS: list[Linter] = []


def _run(
    jobs: list[_Job], projects: _Projects, cache: ResultCache | None, workers: int | None
) -> list[list[Finding]]:
    results: list[list[Finding] | None] = [None] * len(jobs)
    todo: list[int] = []
    for index, job in enumerate(jobs):
        job.data = job.path.read_bytes()
        if cache is not None:
            extra = projects.fingerprints[job.linter].encode()
            job.key = digest(job.data + b"\0" + extra, job.sql)
            cached = cache.get(job.key, job.shown)
            if cached is not None:
                results[index] = cached
                continue
        todo.append(index)
    count = workers if workers is not None else min(os.cpu_count() or 1, 4)
    if count > 1 and len(todo) >= (PARALLEL_MIN_FILES if workers is None else 2):
        found = _parallel([jobs[i] for i in todo], projects.linters, count)
    else:
        found = [_lint_job(projects.linters[jobs[i].linter], jobs[i]) for i in todo]
    for index, findings in zip(todo, found, strict=True):
        results[index] = findings
        if cache is not None:
            cache.put(jobs[index].key, findings)
    return [r or [] for r in results]


def _lint_job(linter: Linter, job: _Job) -> list[Finding]:
    return linter.lint(job.shown, job.data.decode("utf-8", errors="replace"), sql=job.sql)


def _work(job: tuple[int, str, bytes, bool]) -> list[Finding]:
    linter, shown, data, sql = job
    return _WORKER_LINTERS[linter].lint(shown, data.decode("utf-8", errors="replace"), sql=sql)


def _parallel(jobs: list[_Job], linters: list[Linter], count: int) -> list[list[Finding]]:
    """Lint *jobs* in *count* forked worker processes (they inherit the loaded rules)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if "fork" not in multiprocessing.get_all_start_methods():
        return [_lint_job(linters[j.linter], j) for j in jobs]
    global _WORKER_LINTERS
    _WORKER_LINTERS = linters
    payload = [(j.linter, j.shown, j.data, j.sql) for j in jobs]
    chunk = max(1, len(payload) // (count * 8))
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
        return list(pool.map(_work, payload, chunksize=chunk))


def lint_source(
    source: str,
    path: str = "<string>",
    settings: LintSettings | None = None,
    *,
    sql: bool = False,
    project: Project = NO_PROJECT,
) -> list[Finding]:
    """Lint one revision (or SQL script) given as text."""
    settings = (settings or LintSettings()).for_project(project)
    return Linter(settings, project).lint(path, source, sql=sql)


def default_cache_dir(root: Path) -> Path:
    """``.alembic_zdm_cache`` in the project folder (``$ALEMBIC_ZDM_CACHE_DIR`` overrides)."""
    env = os.environ.get("ALEMBIC_ZDM_CACHE_DIR")
    return Path(env) if env else root / CACHE_DIR_NAME
