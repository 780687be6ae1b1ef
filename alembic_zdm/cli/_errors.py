"""Turning any failure of a subcommand into the one sentence the user sees (DESIGN §10).

Our own errors and Alembic's ``CommandError`` already are one sentence. Failures
that come from elsewhere get one too: a database that cannot be reached, a module
``env.py`` or a revision cannot import, a statement the database refused, and as a
last resort any other exception (its type and first line). The traceback is shown
only with ``--raiseerr`` / ``-v``.
"""

from __future__ import annotations

import os
import sys
import traceback

RAISEERR_HINT = "run again with --raiseerr for the traceback"


def _first_line(value: object) -> str:
    text = str(value).strip()
    return text.splitlines()[0].strip() if text else ""


def _user_file(exc: BaseException) -> str | None:
    """``migrations/env.py line 9``: the innermost frame of the traceback in a real file."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith("<")]
    if not frames:
        return None
    frame = frames[-1]
    try:
        shown = os.path.relpath(frame.filename)
    except ValueError:
        shown = frame.filename
    return f"{shown} line {frame.lineno}"


def _is_command_error(exc: BaseException) -> bool:
    alembic_util = sys.modules.get("alembic.util")
    error = getattr(alembic_util, "CommandError", None)
    return error is not None and isinstance(exc, error)


def _database_error(exc: BaseException) -> str | None:
    sa_exc = sys.modules.get("sqlalchemy.exc")
    if sa_exc is None or not isinstance(exc, sa_exc.DBAPIError):
        return None
    args: tuple[object, ...] = tuple(getattr(exc.orig, "args", ()))
    if len(args) == 2 and isinstance(args[0], int):  # MySQL drivers: (errno, message)
        reason = f"{_first_line(args[1])}, error {args[0]}"
    else:
        reason = _first_line(exc.orig) or type(exc.orig).__name__
    if exc.statement is None or isinstance(exc, sa_exc.InterfaceError):
        return (
            f"Cannot connect to the database ({reason}); check the URL env.py connects "
            "with (sqlalchemy.url in alembic.ini, or the variable env.py reads) and that "
            "the server is running."
        )
    statement = " ".join(str(exc.statement).split())
    shown = statement if len(statement) <= 80 else statement[:77] + "..."
    return f"The database refused {shown!r}: {reason}."


def describe(exc: BaseException) -> tuple[str, int]:
    """The sentence to print for *exc* and the exit code (1, or the error's own)."""
    if _is_command_error(exc):
        return str(exc), int(getattr(exc, "exit_code", 1))
    database = _database_error(exc)
    if database is not None:
        return database, 1
    if isinstance(exc, ImportError):
        where = _user_file(exc) or "env.py"
        missing: str = exc.name or _first_line(exc)
        return (
            f"{where} cannot import {missing!r} ({_first_line(exc)}); make it importable "
            "from where alembic runs (prepend_sys_path in alembic.ini, or install the package).",
            1,
        )
    if isinstance(exc, (FileNotFoundError, PermissionError)):
        return f"{exc.strerror}: {exc.filename}.", 1
    found = _user_file(exc)
    origin = f" in {found}" if found else ""
    detail = _first_line(exc)
    return f"{type(exc).__name__}{origin}: {detail or 'no message'} ({RAISEERR_HINT}).", 1
