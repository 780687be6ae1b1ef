"""SQLite: a migration transaction takes the database write lock when it begins.

pysqlite begins transactions *deferred*: the first statement takes a read lock, and the
first write then has to upgrade it. While an application writer holds the write lock,
that upgrade fails at once with ``database is locked`` — SQLite does not wait there
(``busy_timeout`` is not consulted, as waiting could deadlock) — so a phase step that
reads before it writes (batch mode reflects the table first, a backfill batch reads
its key range first) gives up behind any steady stream of writers.

:func:`write_lock_up_front` makes every transaction the migration's connection starts
inside the block ``BEGIN IMMEDIATE``: the write lock is asked for first, waiting up
to the lock timeout (``PRAGMA busy_timeout`` for that statement), and retried with
the usual back-off; writers then wait (under their own busy timeout) only for as long
as one step or one backfill batch holds it. It works at the SQLAlchemy level,
whatever ``isolation_level`` the driver uses: before each statement, if SQLAlchemy
says a transaction is open but SQLite has none yet, ``BEGIN IMMEDIATE`` runs first.
Autocommit connections are left alone (each statement is its own transaction and
waits for the lock as a writer does).
"""

from __future__ import annotations

import contextlib
import re
import time
import weakref
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection

from ..config import ZdmSettings
from ..errors import LockNotAcquiredError

_NO_LOCK_NEEDED = re.compile(r"^\s*(PRAGMA|BEGIN|COMMIT|END|ROLLBACK|RELEASE)\b", re.IGNORECASE)
"""Statements that must not start the transaction themselves (or need no lock)."""

_ACTIVE: weakref.WeakKeyDictionary[Connection, _WriteLock] = weakref.WeakKeyDictionary()


def _is_busy(error: BaseException) -> bool:
    return "database is locked" in str(error)


class _WriteLock:
    """The ``before_cursor_execute`` listener of one connection (see the module docstring)."""

    def __init__(self, settings: ZdmSettings, sleep: Callable[[float], None]) -> None:
        self.settings = settings
        self.sleep = sleep

    def before_execute(
        self, conn: Connection, cursor: Any, statement: str, *args: Any, **kw: Any
    ) -> None:
        if not conn.in_transaction() or _autocommit(conn) or _NO_LOCK_NEEDED.match(statement):
            return
        dbapi = conn.connection.dbapi_connection
        if dbapi is None or getattr(dbapi, "in_transaction", True):
            return
        self.begin(dbapi)

    def begin(self, dbapi: Any) -> None:
        """``BEGIN IMMEDIATE``, waiting ``lock_timeout_ms`` per try, ``retries`` tries."""
        from ..execution.policy import backoff_ms

        settings = self.settings
        attempts = max(1, settings.retries)
        wait_ms = settings.lock_timeout_ms if settings.lock_timeout_ms > 0 else 3_600_000
        started = time.monotonic()
        cursor = dbapi.cursor()
        try:
            saved = cursor.execute("PRAGMA busy_timeout").fetchone()[0]
            for attempt in range(1, attempts + 1):
                cursor.execute(f"PRAGMA busy_timeout = {int(wait_ms)}")
                try:
                    cursor.execute("BEGIN IMMEDIATE")
                    return
                except Exception as exc:
                    if not _is_busy(exc):
                        raise
                    if attempt == attempts:
                        raise LockNotAcquiredError(
                            "Could not take the SQLite database's write lock for the "
                            f"migration after {attempts} attempts over "
                            f"{time.monotonic() - started:.1f} s (busy timeout {wait_ms} ms "
                            "each): other connections kept writing; make their write "
                            "transactions shorter, or raise retries / lock_timeout_ms, then "
                            "run the migration again."
                        ) from exc
                finally:
                    cursor.execute(f"PRAGMA busy_timeout = {int(saved)}")
                self.sleep(backoff_ms(attempt, settings) / 1000)
        finally:
            cursor.close()


def _autocommit(conn: Connection) -> bool:
    """Each statement commits by itself (``AUTOCOMMIT``, as in ``autocommit_block()``)."""
    check = getattr(conn, "_is_autocommit_isolation", None)
    if check is not None:
        return bool(check())
    return conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT"


@contextlib.contextmanager
def write_lock_up_front(
    connection: Connection, settings: ZdmSettings, sleep: Callable[[float], None] = time.sleep
) -> Iterator[None]:
    """Inside the block, each transaction *connection* begins is ``BEGIN IMMEDIATE``.

    Re-entrant: an inner block on the same connection changes nothing.
    """
    if connection in _ACTIVE:
        yield
        return
    lock = _WriteLock(settings, sleep)
    _ACTIVE[connection] = lock
    event.listen(connection, "before_cursor_execute", lock.before_execute)
    try:
        yield
    finally:
        event.remove(connection, "before_cursor_execute", lock.before_execute)
        _ACTIVE.pop(connection, None)
