"""MySQL / MariaDB parts of the backfill engine.

Each batch is ``UPDATE … WHERE key > :lo AND key <= :hi`` on the primary key (MySQL
has no ``UPDATE … FROM``; the key range comes from an index-only ``SELECT``), in its
own transaction. Row locks wait ``innodb_lock_wait_timeout`` (whole seconds) and
MariaDB bounds the batch with ``max_statement_time``; a timed-out or deadlocked
batch (errors 1205, 1213, 1969, 3024) is retried smaller.
"""

from __future__ import annotations

from typing import Any

from ..sql.mysql import set_session, wait_seconds
from .dialects import BackfillDialect, register
from .spec import BackfillSpec

_RETRYABLE = {1205, 1213, 1969, 3024, 3572}


def set_timeouts(connection: Any, statement_ms: int, lock_ms: int) -> None:
    """Session values for this batch (set before each batch, so they always apply)."""
    seconds = wait_seconds(lock_ms)
    connection.exec_driver_sql(set_session("innodb_lock_wait_timeout", seconds))
    connection.exec_driver_sql(set_session("lock_wait_timeout", seconds))
    if getattr(connection.dialect, "is_mariadb", False):
        connection.exec_driver_sql(
            set_session("max_statement_time", f"{max(statement_ms, 0) / 1000:g}")
        )


def is_retryable(exc: BaseException) -> bool:
    """Lock wait timeouts, deadlocks and statement timeouts."""
    orig = getattr(exc, "orig", exc)
    args: tuple[Any, ...] = tuple(getattr(orig, "args", ()))
    return bool(args) and args[0] in _RETRYABLE


def row_estimate(connection: Any, spec: BackfillSpec) -> int | None:
    """``information_schema.tables.table_rows`` (InnoDB's estimate)."""
    from sqlalchemy import text

    value = connection.execute(
        text(
            "SELECT table_rows FROM information_schema.tables "
            "WHERE table_schema = COALESCE(:s, DATABASE()) AND table_name = :t"
        ),
        {"s": spec.schema, "t": spec.table},
    ).scalar()
    return int(value) if value is not None else None


register(
    ("mysql", "mariadb"),
    BackfillDialect(
        set_timeouts=set_timeouts, is_retryable=is_retryable, row_estimate=row_estimate
    ),
)
