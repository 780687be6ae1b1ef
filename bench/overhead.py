"""What installing the plugin costs when nothing of it is used.

**Without the plugin, honestly.** Alembic finds plugins through the ``alembic.plugins``
entry-point group (``importlib.metadata.entry_points``). Every measurement runs in a
fresh interpreter that first installs the same tiny filter around
``importlib.metadata.entry_points``; in the *without* runs the filter drops the
``alembic_zdm`` entry point, in the *with* runs it drops nothing. Everything else —
interpreter, site-packages, the distributions scanned for entry points, Alembic,
SQLAlchemy — is identical, so the difference is exactly what the plugin adds: importing
``alembic_zdm.plugin`` and running its ``setup()`` (and, for ``upgrade``, its phase
runner). The two sides alternate so that machine noise falls on both.
"""

from __future__ import annotations

import dataclasses
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench.migrations import URL_ENV, AlembicProject
from bench.settings import BenchSettings

HIDE_ENV = "ZDM_BENCH_HIDE_PLUGINS"
PLUGIN = "alembic_zdm"

_FILTER = f"""
import os, sys, time
import importlib.metadata as _md
_hide = set(filter(None, os.environ.get({HIDE_ENV!r}, "").split(",")))
_entry_points = _md.entry_points
def _filtered(**params):
    found = _entry_points(**params)
    if _hide and params.get("group") == "alembic.plugins":
        return _md.EntryPoints(ep for ep in found if ep.name not in _hide)
    return found
_md.entry_points = _filtered
"""

IMPORT_SCRIPT = (
    _FILTER
    + """
_t = time.perf_counter()
import alembic
_t = time.perf_counter() - _t
loaded = "alembic_zdm.plugin" in sys.modules
print(_t, loaded)
"""
)

UPGRADE_SCRIPT = (
    _FILTER
    + """
from alembic.config import main
_t = time.perf_counter()
main(["-c", sys.argv[1], "upgrade", "head"])
_t = time.perf_counter() - _t
print(_t, "alembic_zdm.plugin" in sys.modules)
"""
)


@dataclasses.dataclass(frozen=True)
class Overhead:
    """Median seconds with and without the plugin over *reps* fresh interpreters each."""

    what: str
    with_plugin_s: float
    without_plugin_s: float
    reps: int

    @property
    def added_ms(self) -> float:
        """Milliseconds the plugin adds."""
        return round((self.with_plugin_s - self.without_plugin_s) * 1000, 2)

    @property
    def ratio(self) -> float:
        """with / without."""
        return (
            round(self.with_plugin_s / self.without_plugin_s, 3) if self.without_plugin_s else 0.0
        )


def _run(script: str, hide: bool, args: list[str], env: dict[str, str], cwd: str) -> float:
    run_env = dict(env)
    run_env[HIDE_ENV] = PLUGIN if hide else ""
    # As on a user's machine, where pip compiled the installed packages and Python caches
    # the bytecode of revision files: without this, a shell that sets
    # PYTHONDONTWRITEBYTECODE makes every run compile the (editable) plugin from source.
    run_env.pop("PYTHONDONTWRITEBYTECODE", None)
    out = subprocess.run(
        [sys.executable, "-c", script, *args],
        env=run_env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"the measurement subprocess failed:\n{out.stderr[-2000:]}")
    seconds, loaded = out.stdout.split()[-2:]
    if (loaded == "True") == hide:
        raise RuntimeError(
            f"plugin {'visible' if hide else 'not loaded'} in a {'without' if hide else 'with'} run"
        )
    return float(seconds)


def _alternate(what: str, reps: int, measure: Callable[[bool], float]) -> Overhead:
    with_plugin: list[float] = []
    without: list[float] = []
    measure(False)
    measure(True)
    for _ in range(reps):
        with_plugin.append(measure(False))
        without.append(measure(True))
    return Overhead(what, statistics.median(with_plugin), statistics.median(without), reps)


def import_overhead(settings: BenchSettings) -> Overhead:
    """Time of ``import alembic`` in a fresh interpreter, with and without the plugin."""
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="zdm-bench-") as cwd:
        return _alternate(
            "import alembic",
            settings.overhead_import_reps,
            lambda hide: _run(IMPORT_SCRIPT, hide, [], env, cwd),
        )


def trivial_project(directory: Path, revisions: int, per_migration: bool = True) -> AlembicProject:
    """An Alembic project with *revisions* plain revisions that each run ``SELECT 1``
    (*per_migration*: ``transaction_per_migration=True`` in its ``env.py``)."""
    project = AlembicProject(directory, per_migration=per_migration)
    for number in range(revisions):
        project.add_revision(
            f"r{number:04d}",
            f"trivial revision {number}",
            {"upgrade": 'op.execute("SELECT 1")', "downgrade": 'op.execute("SELECT 1")'},
        )
    return project


def upgrade_overhead(settings: BenchSettings) -> Overhead:
    """``alembic upgrade head`` over many trivial revisions on SQLite, with and without."""
    with tempfile.TemporaryDirectory(prefix="zdm-bench-") as tmp:
        folder = Path(tmp)
        project = trivial_project(folder / "project", settings.overhead_upgrade_revisions)
        database = folder / "upgrade.db"
        env = dict(os.environ)
        env[URL_ENV] = f"sqlite:///{database}"

        def measure(hide: bool) -> float:
            for leftover in folder.glob("upgrade.db*"):
                leftover.unlink()
            return _run(UPGRADE_SCRIPT, hide, [str(project.ini)], env, tmp)

        return _alternate(
            f"alembic upgrade head, {settings.overhead_upgrade_revisions} revisions (SQLite)",
            settings.overhead_upgrade_reps,
            measure,
        )


def upgrade_overhead_pg(
    settings: BenchSettings, server: str, per_migration: bool = True
) -> Overhead:
    """The same 200 plain revisions on PostgreSQL (fresh database per run): with
    ``transaction_per_migration=True``, or (*per_migration* false) in the one transaction
    of Alembic's default ``env.py``."""
    from alembic_zdm.testing.databases import create_database, drop_database
    from bench.database import sqlalchemy_url

    shape = "" if per_migration else ", one transaction"
    with tempfile.TemporaryDirectory(prefix="zdm-bench-") as tmp:
        folder = Path(tmp)
        project = trivial_project(
            folder / "project", settings.overhead_upgrade_revisions, per_migration
        )
        env = dict(os.environ)

        def measure(hide: bool) -> float:
            url = create_database(sqlalchemy_url(server), prefix="zdm_bench_upgrade")
            try:
                env[URL_ENV] = url
                return _run(UPGRADE_SCRIPT, hide, [str(project.ini)], env, tmp)
            finally:
                drop_database(url)

        return _alternate(
            f"alembic upgrade head, {settings.overhead_upgrade_revisions} revisions (PostgreSQL{shape})",
            settings.overhead_upgrade_reps,
            measure,
        )


PROFILE_SCRIPT = (
    _FILTER
    + """
import alembic
print("\\n".join(sorted(sys.modules)))
"""
)


def _modules(hide: bool, env: dict[str, str], cwd: str) -> tuple[set[str], dict[str, int]]:
    run_env = dict(env)
    run_env[HIDE_ENV] = PLUGIN if hide else ""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", PROFILE_SCRIPT],
        env=run_env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    self_us: dict[str, int] = {}
    for line in out.stderr.splitlines():
        parts = line.split("|")
        if line.startswith("import time:") and len(parts) == 3 and parts[0].split()[-1].isdigit():
            self_us[parts[2].strip()] = int(parts[0].split()[-1])
    return set(out.stdout.split()), self_us


def import_profile(top: int = 6) -> str:
    """Which modules ``import alembic`` loads only because of the plugin, and their cost.

    One ``-X importtime`` run per side; the modules present only with the plugin are
    what it adds, with their own (self) import times. A diagnostic, not a measurement.
    """
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="zdm-bench-") as cwd:
        with_modules, self_us = _modules(False, env, cwd)
        without_modules, _ = _modules(True, env, cwd)
    added = with_modules - without_modules
    own = sorted(m for m in added if m.split(".")[0] == PLUGIN)
    others = sorted(added - set(own))
    total_ms = sum(self_us.get(m, 0) for m in added) / 1000
    heaviest = sorted(added, key=lambda m: -self_us.get(m, 0))[:top]
    listing = ", ".join(f"{m} {self_us.get(m, 0) / 1000:.1f} ms" for m in heaviest)
    return (
        f"the plugin makes `import alembic` load {len(added)} more modules "
        f"({len(own)} of alembic_zdm, {len(others)} others), {total_ms:.1f} ms of their own "
        f"import time (-X importtime, one run); heaviest: {listing}"
    )
