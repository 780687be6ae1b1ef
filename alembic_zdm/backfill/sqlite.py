"""SQLite parts of the backfill engine: batches by ``rowid`` key ranges, busy timeout.

SQLite has one writer at a time; a batch takes the write lock first (``BEGIN
IMMEDIATE``), waits up to the lock timeout for it (``PRAGMA busy_timeout``) and is
retried when the database stayed locked.
"""

from __future__ import annotations

from typing import Any

from .dialects import BackfillDialect, register
from .spec import BackfillSpec


def set_timeouts(connection: Any, statement_ms: int, lock_ms: int) -> None:
    """``PRAGMA busy_timeout`` (SQLite has no statement timeout)."""
    connection.exec_driver_sql(f"PRAGMA busy_timeout = {max(int(lock_ms), 0)}")


def begin(connection: Any, statement_ms: int, lock_ms: int) -> None:
    """``BEGIN IMMEDIATE`` under the lock timeout: the batch takes the write lock first.

    A deferred ``BEGIN`` would read the key range under a read lock and then fail at
    once (``database is locked``, no busy wait) upgrading it while an application
    writer holds the write lock.
    """
    set_timeouts(connection, statement_ms, lock_ms)
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def is_retryable(exc: BaseException) -> bool:
    """``database is locked`` / ``database table is locked``."""
    return "locked" in str(getattr(exc, "orig", exc)).lower()


def row_estimate(connection: Any, spec: BackfillSpec) -> int | None:
    """No cheap estimate in SQLite."""
    return None


register(
    ("sqlite",),
    BackfillDialect(
        set_timeouts=set_timeouts,
        is_retryable=is_retryable,
        row_estimate=row_estimate,
        begin=begin,
    ),
)
