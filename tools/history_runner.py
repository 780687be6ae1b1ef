"""Running a history's Alembic commands for real_histories: each in its own interpreter.

``stock`` runs hide alembic-zdm's ``alembic.plugins`` entry point before Alembic is
imported (as bench/overhead.py does), ``plugin`` runs keep it; both put the history's
stand-in modules first on ``sys.path`` and run its prelude. The ``alembic-zdm`` logger
is at INFO, so a caller can follow the steps as they start (``running expand of …``).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from history_table import History

from alembic_zdm.testing.databases import base_postgres_url, create_database, drop_database

_RUNNER = """
import os, sys, time, json
import importlib.metadata as md
hide = sys.argv[1] == "stock"
original = md.entry_points
def entry_points(**params):
    found = original(**params)
    if hide and params.get("group") == "alembic.plugins":
        return md.EntryPoints(ep for ep in found if ep.name != "alembic_zdm")
    return found
md.entry_points = entry_points
import logging
logging.basicConfig(stream=sys.stderr, format="%(levelname)s %(name)s %(message)s")
logging.getLogger("alembic.runtime.zdm").setLevel(logging.INFO)
exec(os.environ.get("ZDM_HISTORY_PRELUDE", ""))
start = time.perf_counter()
code = 0
try:
    if sys.argv[3] == "alembic-zdm":
        from alembic_zdm.cli import main as zdm
        code = zdm(["-c", sys.argv[2], *sys.argv[4:]]) or 0
    else:
        from alembic.config import main
        main(["-c", sys.argv[2], *sys.argv[3:]])
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else 1
loaded = "alembic_zdm.plugin" in sys.modules
print("ZDM_HISTORY " + json.dumps([time.perf_counter() - start, loaded, code]))
"""


@dataclasses.dataclass
class Outcome:
    """One Alembic command: how long it took and how it ended."""

    command: str
    seconds: float
    error: str | None
    log: str


def alembic(side: str, workdir: Path, url: str, history: History, *args: str) -> Outcome:
    """Run ``alembic ARGS`` as *side* (``stock`` hides the plugin) in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", _RUNNER, side, str(workdir / "alembic.ini"), *args],
        cwd=workdir,
        env=_env(workdir, url, history),
        capture_output=True,
        text=True,
        check=False,
    )
    log = done.stdout + done.stderr
    marker = [line for line in done.stdout.splitlines() if line.startswith("ZDM_HISTORY ")]
    if not marker:
        return Outcome(" ".join(args), 0.0, _last_error(log) or "interpreter died", log)
    seconds, loaded, code = json.loads(marker[-1].split(" ", 1)[1])
    if loaded != (side != "stock"):
        raise SystemExit(f"the plugin was {'loaded' if loaded else 'not loaded'} in a {side} run")
    error = None if code == 0 else (_last_error(log) or f"exit status {code}")
    return Outcome(" ".join(args), seconds, error, log)


_EXCEPTION_LINE = re.compile(r"^([\w.]+\.)?\w*(Error|Exception)\w*: ")


def _last_error(log: str) -> str | None:
    """The line that says why a command failed: the exception, else alembic-zdm's sentence."""
    lines = [ln.strip() for ln in log.splitlines() if ln.strip()]
    lines = [ln for ln in lines if not ln.startswith("ZDM_HISTORY ")]
    for wanted in (_EXCEPTION_LINE.match, lambda ln: ln.startswith(("FAILED", "ERROR"))):
        for line in reversed(lines):
            if wanted(line):
                return line.removeprefix("FAILED: ")[:300]
    return lines[-1][:300] if lines else None


def write_ini(workdir: Path, script_location: Path, url: str) -> None:
    """An alembic.ini for the exported history at *url* (``url`` too: warehouse reads it)."""
    url = url.replace("%", "%%")
    (workdir / "alembic.ini").write_text(
        textwrap.dedent(
            f"""\
            [alembic]
            script_location = {script_location}
            sqlalchemy.url = {url}
            url = {url}

            [loggers]
            keys = root, zdm

            [handlers]
            keys = console

            [formatters]
            keys = generic

            [logger_root]
            level = WARNING
            handlers = console

            [logger_zdm]
            level = INFO
            handlers =
            qualname = alembic.runtime.zdm

            [handler_console]
            class = StreamHandler
            args = (sys.stderr,)
            formatter = generic

            [formatter_generic]
            format = %(levelname)s %(name)s %(message)s
            """
        )
    )


class Databases:
    """Fresh databases of one dialect, each dropped by :meth:`drop_all`."""

    def __init__(self, dialect: str, workdir: Path) -> None:
        self.dialect, self.workdir = dialect, workdir
        self.made: list[str] = []

    def new(self, label: str) -> str:
        """The URL of a new empty database."""
        if self.dialect == "sqlite":
            url = f"sqlite:///{self.workdir / (label + '.db')}"
        else:
            url = create_database(base_postgres_url(), prefix="zdm_history")
        self.made.append(url)
        return url

    def drop_all(self) -> None:
        """Drop every database made here."""
        for url in self.made:
            if self.dialect != "sqlite":
                drop_database(url)


def export(mirror: Path, path: str, into: Path) -> Path:
    """``git archive HEAD PATH`` of *mirror* unpacked into *into*; the folder's path there."""
    archive = subprocess.run(
        ["git", "--git-dir", str(mirror), "archive", "HEAD", path],
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        reason = archive.stderr.decode(errors="replace").strip().splitlines()[-1:]
        raise SystemExit(f"Cannot export {path!r} from {mirror}: {' '.join(reason)}")
    into.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into / path


def start(
    side: str, workdir: Path, url: str, history: History, *args: str
) -> subprocess.Popen[str]:
    """Start ``alembic ARGS`` like :func:`alembic`, its output (stdout and stderr) piped."""
    return subprocess.Popen(
        [sys.executable, "-c", _RUNNER, side, str(workdir / "alembic.ini"), *args],
        cwd=workdir,
        env=_env(workdir, url, history),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _env(workdir: Path, url: str, history: History) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(workdir / "stubs"),
        ZDM_HISTORY_URL=url,
        ZDM_HISTORY_PRELUDE=history.prelude,
    )
    return env
