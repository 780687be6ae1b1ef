"""SQLite 3.35+: busy timeout, error translation, catalog, batch mode that keeps triggers.

SQLite serialises writers (one at a time, the others wait up to ``busy_timeout``), so
the migration's transactions take the write lock when they begin (``BEGIN IMMEDIATE``,
:mod:`.sqlite_write_lock`) and hold it for one step or one backfill batch; application
writers wait for it under their own busy timeout. What SQLite cannot ``ALTER``
(nullability, defaults, constraints) goes through Alembic's batch mode, which
recreates the table inside the migration's transaction; :meth:`SqliteSupport.run_batch` re-creates the table's
triggers afterwards (batch mode would silently drop a dual-write trigger).
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from ..config import ZdmSettings
from ..errors import DataIntegrityError, SchemaObjectError, ZdmError
from ..sql.levels import LockLevel
from . import register_dialect
from .base import DialectSupport

if TYPE_CHECKING:
    from ..sql.statement import BatchAlter, Statement
    from .records import Blocker, ConstraintInfo, IndexInfo

DEFAULT_BUSY_TIMEOUT_MS = 5000
"""pysqlite's default ``timeout=5.0``."""
NO_TIMEOUT_MS = 3_600_000
"""What "no lock timeout" (0) becomes: SQLite's busy timeout 0 would mean "never wait"."""

_SCHEMA_WORDS = ("no such table", "no such column", "duplicate column", "already exists")
_DATA_WORDS = ("constraint failed",)

TRIGGERS = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :table"
INDEXES = (
    "SELECT name, sql FROM sqlite_master "
    "WHERE type = 'index' AND tbl_name = :table AND sql IS NOT NULL"
)
COLUMN_EXISTS = "SELECT 1 FROM pragma_table_info(:table) WHERE name = :column"
COLUMN_ABSENT = (
    "SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM pragma_table_info(:table) WHERE name = :column)"
)


def _message(error: BaseException) -> str:
    return str(getattr(error, "orig", error)).strip().splitlines()[0]


@register_dialect("sqlite")
class SqliteSupport(DialectSupport):
    """SQLite through pysqlite (the standard library's ``sqlite3``)."""

    name = "sqlite"

    # ---- timeouts and errors

    def timeout_statements(
        self, lock_timeout_ms: int | None, statement_timeout_ms: int | None, *, local: bool
    ) -> list[str]:
        if lock_timeout_ms is None:
            return []
        ms = lock_timeout_ms if lock_timeout_ms > 0 else NO_TIMEOUT_MS
        return [f"PRAGMA busy_timeout = {int(ms)}"]

    def reset_statements(self, names: Sequence[str], *, local: bool) -> list[str]:
        if "lock_timeout" not in names:
            return []
        return [f"PRAGMA busy_timeout = {DEFAULT_BUSY_TIMEOUT_MS}"]

    def read_timeouts(self, connection: Connection) -> dict[str, str]:
        value = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
        return {"busy_timeout": str(value)}

    def restore_timeouts(
        self, connection: Connection, saved: dict[str, str], *, local: bool
    ) -> None:
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(saved['busy_timeout'])}")

    def has_own_lock_timeout(self, connection: Connection, saved: dict[str, str]) -> bool:
        return int(saved.get("busy_timeout", DEFAULT_BUSY_TIMEOUT_MS)) != DEFAULT_BUSY_TIMEOUT_MS

    def is_lock_timeout(self, error: BaseException) -> bool:
        return "database is locked" in _message(error) or "table is locked" in _message(error)

    def translate_error(self, error: BaseException, statement: Statement) -> ZdmError | None:
        message = _message(error)
        what = statement.description or "The statement"
        if any(word in message for word in _DATA_WORDS):
            return DataIntegrityError(
                f"{what} failed because existing rows break it: {message}; "
                "fix those rows and run the migration again."
            )
        if any(word in message for word in _SCHEMA_WORDS):
            return SchemaObjectError(f"{what} failed: {message}.")
        return None

    def write_transactions(
        self, connection: Connection, settings: ZdmSettings
    ) -> contextlib.AbstractContextManager[None]:
        """``BEGIN IMMEDIATE`` for each transaction (:mod:`.sqlite_write_lock`)."""
        from .sqlite_write_lock import write_lock_up_front

        return write_lock_up_front(connection, settings)

    # ---- batch mode

    def run_batch(self, operations: Any, batch: BatchAlter) -> None:
        """Alembic's batch mode, then the table's triggers and indexes as they were.

        A dropped column's indexes are dropped first (batch mode would try to rebuild
        them); they are looked up now, as earlier steps of the plan may have renamed it.
        Batch mode recreates the indexes SQLAlchemy can reflect; an index on an
        expression (``lower(email)``) it skips, so every index the table had is put
        back from its saved ``CREATE INDEX`` — except one on a column this batch drops,
        which goes with the column as on the other databases.
        """
        conn = operations.get_context().connection
        saved = list(conn.execute(text(TRIGGERS), {"table": batch.table}))
        saved_indexes = list(conn.execute(text(INDEXES), {"table": batch.table}))
        dropped = {str(args[0]) for method, args, _ in batch.calls if method == "drop_column"}
        if dropped:
            indexes = inspect(conn).get_indexes(batch.table, schema=batch.schema)
            doomed = [i["name"] for i in indexes if dropped & set(i.get("column_names") or [])]
            calls = tuple(("drop_index", (name,), ()) for name in doomed)
            batch = dataclasses.replace(batch, calls=calls + batch.calls)
        from .sqlite_reflect import reflected_table

        copy_from = reflected_table(conn, batch.table, batch.schema)
        with operations.batch_alter_table(
            batch.table, schema=batch.schema, copy_from=copy_from
        ) as b:
            for method, args, kw in batch.calls:
                getattr(b, method)(*args, **dict(kw))
        present = {r.name for r in conn.execute(text(TRIGGERS), {"table": batch.table})}
        for row in saved:
            if row.name not in present and row.sql:
                conn.exec_driver_sql(row.sql)
        _restore_indexes(conn, batch.table, saved_indexes, dropped)

    # ---- catalog

    def lock_holders(
        self, connection: Connection, table: str, schema: str | None, lock: LockLevel
    ) -> list[Blocker]:
        return []

    def table_exists(self, connection: Connection, table: str, schema: str | None) -> bool:
        return bool(inspect(connection).has_table(table, schema=schema))

    def column_names(self, connection: Connection, table: str, schema: str | None) -> list[str]:
        insp = inspect(connection)
        if not insp.has_table(table, schema=schema):
            return []
        return [c["name"] for c in insp.get_columns(table, schema=schema)]

    def index_info(self, connection: Connection, name: str, schema: str | None) -> IndexInfo | None:
        from .records import IndexInfo

        rows = self.fetch(
            connection,
            "SELECT tbl_name AS tbl, sql FROM sqlite_master WHERE type = 'index' AND name = :n",
            {"n": name},
        )
        if not rows:
            return None
        unique = "UNIQUE" in (rows[0].sql or "").upper().split("INDEX")[0]
        return IndexInfo(name, rows[0].tbl, True, unique, ())

    def constraint_info(
        self, connection: Connection, table: str, name: str, schema: str | None
    ) -> ConstraintInfo | None:
        from .records import ConstraintInfo
        from .sqlite_reflect import named_constraints, table_sql

        kind = named_constraints(table_sql(connection, table)).get(name)
        if kind in ("f", "c", "u"):
            return ConstraintInfo(name, kind, True)
        if (info := self.index_info(connection, name, schema)) is not None and info.unique:
            return ConstraintInfo(name, "u", True)
        return None


def _restore_indexes(conn: Connection, table: str, saved: Sequence[Any], dropped: set[str]) -> None:
    """Re-create the indexes of *saved* that the rebuilt *table* lacks.

    An index whose SQL names a dropped column (SQLite: ``no such column``) is not
    re-created: it went with the column. Any other error is raised.
    """
    from sqlalchemy.exc import OperationalError

    present = {r.name for r in conn.execute(text(INDEXES), {"table": table})}
    for row in saved:
        if row.name in present:
            continue
        try:
            conn.exec_driver_sql(row.sql)
        except OperationalError as exc:
            if not (dropped and "no such column" in str(exc.orig)):
                raise
