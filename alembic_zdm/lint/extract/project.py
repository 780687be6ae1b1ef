"""What a project's Alembic setup says for every revision, read without running it.

``env.py`` is read as Python AST (never imported), ``alembic.ini`` with
``configparser`` and ``pyproject.toml`` with ``tomllib``:

* the database, from ``sqlalchemy.url`` or a URL literal in ``env.py``
  (``sqlite:///app.db``), so a SQLite project needs no ``target``;
* ``lock_timeout`` / ``statement_timeout`` (MySQL: ``lock_wait_timeout`` /
  ``max_execution_time``) set for every migration: a ``SET`` passed to
  ``execute``, ``connect_args={"options": "-c lock_timeout=…"}``, or
  ``SET LOCAL`` in a ``begin`` event listener;
* ``transaction_per_migration=True`` in ``context.configure(...)``;
* whether alembic-zdm guards plain revisions: the project configures the plugin
  (``[tool.alembic_zdm]`` / ``[alembic_zdm]``, or ``env.py`` imports it) and does
  not set ``guard_plain_revisions = false``, and this version of the plugin has the guard.
"""

from __future__ import annotations

import ast
import configparser
import dataclasses
import os
import re
from pathlib import Path
from typing import Any

from ..model import Fact, Project

_URL = re.compile(r"^\s*(postgresql|postgres|mysql|mariadb|sqlite)(?:\+\w+)?://", re.IGNORECASE)


def _setting(names: str) -> re.Pattern[str]:
    """``SET [LOCAL|SESSION] name = v`` / ``TO v``, ``-c name=v``, ``set_config('name', 'v'``."""
    value = r"['\"]?(\d+\s*[a-z]*)"
    return re.compile(
        rf"(?i)(?:\bSET\s+(?:LOCAL\s+|SESSION\s+|GLOBAL\s+|@@(?:session\.)?)?(?:{names})\s*(?:=|\bTO\b)\s*{value}"
        rf"|-c\s*(?:{names})\s*=\s*{value}"
        rf"|set_config\(\s*'(?:{names})'\s*,\s*{value})"
    )


_TIMEOUTS = {
    "lock_timeout": _setting("lock_timeout|lock_wait_timeout"),
    "statement_timeout": _setting("statement_timeout|max_execution_time|max_statement_time"),
}
_FALSE = frozenset({"false", "0", "no", "off"})


def find_env_py(path: Path, limit: int = 3) -> Path | None:
    """The ``env.py`` of the script folder a revision file (or versions folder) belongs to."""
    folder = path if path.suffix != ".py" or path.is_dir() else path.parent
    for candidate in (folder, *list(folder.parents)[:limit]):
        env = candidate / "env.py"
        if env.is_file():
            return env
    return None


def read_project(env_py: Path | None, root: Path, pyproject: Path | None) -> Project:
    """Facts of the project whose ``env.py`` is *env_py* (``None``: only the config files)."""
    facts: dict[str, Fact] = {}
    uses_plugin: Fact | None = None
    shown_env = _shown(env_py, root) if env_py else None
    if env_py is not None:
        uses_plugin = _read_env(env_py, shown_env or "env.py", facts)
    ini = _alembic_ini(env_py, root)
    ini_zdm: dict[str, str] = {}
    if ini is not None:
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(ini, encoding="utf-8")
        except (configparser.Error, OSError, UnicodeDecodeError):
            parser = configparser.ConfigParser(interpolation=None)
        url = parser.get("alembic", "sqlalchemy.url", fallback="")
        match = _URL.match(url)
        if match:
            facts["dialect"] = Fact(_dialect(match.group(1)), f"{_shown(ini, root)} sqlalchemy.url")
        if parser.has_section("alembic_zdm"):
            ini_zdm = dict(parser.items("alembic_zdm"))
            uses_plugin = uses_plugin or Fact("true", f"[alembic_zdm] of {_shown(ini, root)}")
    tool = _tool_table(pyproject)
    if any(key != "lint" for key in tool):
        uses_plugin = uses_plugin or Fact("true", f"{_shown(pyproject, root)} [tool.alembic_zdm]")
    guard = _guard(uses_plugin, tool, ini_zdm, pyproject, ini, root)
    return Project(
        env_py=shown_env,
        dialect=facts.get("dialect") or facts.get("env_dialect"),
        lock_timeout=facts.get("lock_timeout"),
        statement_timeout=facts.get("statement_timeout"),
        transaction_per_migration=facts.get("transaction_per_migration"),
        guard_plain=guard,
    )


def _read_env(env_py: Path, shown: str, facts: dict[str, Fact]) -> Fact | None:
    try:
        tree = ast.parse(env_py.read_text(encoding="utf-8", errors="replace"))
    except (SyntaxError, ValueError, RecursionError, MemoryError, OSError):
        return None
    uses_plugin = None
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
            if any(n.split(".")[0] == "alembic_zdm" for n in names):
                uses_plugin = Fact("true", f"{shown}:{node.lineno} imports alembic_zdm")
        elif isinstance(node, ast.keyword) and node.arg == "transaction_per_migration":
            if isinstance(node.value, ast.Constant) and node.value.value is True:
                facts.setdefault(
                    "transaction_per_migration", Fact("true", f"{shown}:{node.value.lineno}")
                )
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            _read_text(node.value, f"{shown}:{node.lineno}", facts)
        elif isinstance(node, ast.JoinedStr):  # f"SET lock_timeout = {TIMEOUT}"
            text = "".join(
                v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "9"
                for v in node.values
            )
            _read_text(text, f"{shown}:{node.lineno}", facts, computed=True)
    return uses_plugin


def _read_text(text: str, where: str, facts: dict[str, Fact], computed: bool = False) -> None:
    match = _URL.match(text)
    if match:
        facts.setdefault("env_dialect", Fact(_dialect(match.group(1)), where))
        return
    for name, pattern in _TIMEOUTS.items():
        found = pattern.search(text)
        if found and name not in facts:
            value = next(g for g in found.groups() if g is not None)
            facts[name] = Fact("(computed)" if computed else value.replace(" ", ""), where)


def _guard(
    uses: Fact | None,
    tool: dict[str, Any],
    ini_zdm: dict[str, str],
    pyproject: Path | None,
    ini: Path | None,
    root: Path,
) -> Fact | None:
    from ...config import ZdmSettings

    if uses is None or "guard_plain_revisions" not in {
        f.name for f in dataclasses.fields(ZdmSettings)
    }:
        return None
    if "guard_plain_revisions" in ini_zdm:
        off = ini_zdm["guard_plain_revisions"].strip().lower() in _FALSE
        return (
            None
            if off
            else Fact("true", f"guard_plain_revisions in [alembic_zdm] of {_shown(ini, root)}")
        )
    if "guard_plain_revisions" in tool:
        value = tool["guard_plain_revisions"]
        off = value is False or str(value).strip().lower() in _FALSE
        return None if off else Fact("true", f"guard_plain_revisions in {_shown(pyproject, root)}")
    return Fact(
        "true", f"alembic-zdm guards plain revisions by default (configured in {uses.where})"
    )


def _tool_table(pyproject: Path | None) -> dict[str, Any]:
    if pyproject is None:
        return {}
    from ...config import read_pyproject

    try:
        return read_pyproject(pyproject)
    except (OSError, ValueError):
        return {}


def _alembic_ini(env_py: Path | None, root: Path) -> Path | None:
    folders = [env_py.parent, env_py.parent.parent, env_py.parent.parent.parent] if env_py else []
    for folder in (*folders, root):
        candidate = folder / "alembic.ini"
        if candidate.is_file():
            return candidate
    return None


def _dialect(name: str) -> str:
    name = name.lower()
    return "postgresql" if name == "postgres" else name


def _shown(path: Path | None, root: Path) -> str:
    if path is None:
        return "?"
    full, base = os.path.abspath(path), os.path.abspath(root)
    if full.startswith(base + os.sep):
        return full[len(base) + 1 :].replace(os.sep, "/")
    return path.name
