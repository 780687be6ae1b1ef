"""SQLite parts of the backfill engine: batches by ``rowid`` key ranges, busy timeout.

SQLite has one writer at a time; a batch waits up to the lock timeout for it
(``PRAGMA busy_timeout``) and is retried when the database stayed locked.
"""

from __future__ import annotations

from typing import Any

from .dialects import BackfillDialect, register
from .spec import BackfillSpec


def set_timeouts(connection: Any, statement_ms: int, lock_ms: int) -> None:
    """``PRAGMA busy_timeout`` (SQLite has no statement timeout)."""
    connection.exec_driver_sql(f"PRAGMA busy_timeout = {max(int(lock_ms), 0)}")


def is_retryable(exc: BaseException) -> bool:
    """``database is locked`` / ``database table is locked``."""
    return "locked" in str(getattr(exc, "orig", exc)).lower()


def row_estimate(connection: Any, spec: BackfillSpec) -> int | None:
    """No cheap estimate in SQLite."""
    return None


register(
    ("sqlite",),
    BackfillDialect(
        set_timeouts=set_timeouts, is_retryable=is_retryable, row_estimate=row_estimate
    ),
)
