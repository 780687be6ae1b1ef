"""Catalog look-ups for ops and their callers, dispatched to the connected dialect.

Every function takes an ``Operations``, a ``MigrationContext`` or a ``Connection``
and works online only (offline there is no database to ask: check
:func:`is_offline` first). Table and column names are raw; *schema* ``None`` means
the search path.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from ..dialects import DialectSupport, dialect_support
from ..dialects.records import Blocker, ConstraintInfo, IndexInfo
from ..errors import SchemaObjectError, ZdmError
from ..sql.statement import LockLevel

Target = Operations | MigrationContext | Connection


def is_offline(target: Target) -> bool:
    """True in ``--sql`` mode (no connection)."""
    if isinstance(target, Connection):
        return False
    ctx = target.get_context() if isinstance(target, Operations) else target
    return bool(ctx.as_sql)


def connection_of(target: Target) -> Connection:
    """The live connection behind *target*."""
    if isinstance(target, Connection):
        return target
    ctx = target.get_context() if isinstance(target, Operations) else target
    if ctx.as_sql or ctx.connection is None:
        raise ZdmError("This needs a database connection, and the migration runs offline (--sql).")
    return ctx.connection


def support_for(target: Target) -> DialectSupport:
    """The :class:`~alembic_zdm.dialects.DialectSupport` of *target*'s dialect."""
    if isinstance(target, Connection):
        return dialect_support(target.dialect)
    ctx = target.get_context() if isinstance(target, Operations) else target
    return dialect_support(ctx.dialect)


def server_version(target: Target) -> tuple[int, ...] | None:
    """The server version, e.g. ``(15, 4)`` (``None`` when unknown, e.g. offline)."""
    return support_for(target).server_version


def table_exists(target: Target, table: str, schema: str | None = None) -> bool:
    """True when *table* exists."""
    return support_for(target).table_exists(connection_of(target), table, schema)


def column_names(target: Target, table: str, schema: str | None = None) -> list[str]:
    """The columns of *table* in order (empty when it does not exist)."""
    return support_for(target).column_names(connection_of(target), table, schema)


def column_exists(target: Target, table: str, column: str, schema: str | None = None) -> bool:
    """True when *table* has *column*."""
    return column in column_names(target, table, schema)


def index_info(target: Target, name: str, schema: str | None = None) -> IndexInfo | None:
    """The index *name* (validity, table, constraints using it), or ``None``."""
    return support_for(target).index_info(connection_of(target), name, schema)


def constraint_info(
    target: Target, table: str, name: str, schema: str | None = None
) -> ConstraintInfo | None:
    """The constraint *name* on *table*, or ``None``."""
    return support_for(target).constraint_info(connection_of(target), table, name, schema)


def lock_holders(
    target: Target,
    table: str,
    schema: str | None = None,
    lock: LockLevel = LockLevel.ACCESS_EXCLUSIVE,
) -> list[Blocker]:
    """Other sessions holding or queued for a lock on *table* that conflicts with *lock*."""
    return support_for(target).lock_holders(connection_of(target), table, schema, lock)


def _display(table: str, schema: str | None) -> str:
    return f"{schema}.{table}" if schema else table


def require_table(target: Target, table: str, schema: str | None = None) -> None:
    """Raise :class:`SchemaObjectError` unless *table* exists."""
    if not table_exists(target, table, schema):
        raise SchemaObjectError(
            f"Table {_display(table, schema)!r} does not exist; check the table name "
            "(and schema) in the operation."
        )


def require_columns(
    target: Target, table: str, columns: Iterable[str], schema: str | None = None
) -> None:
    """Raise :class:`SchemaObjectError` unless *table* exists and has every one of *columns*."""
    require_table(target, table, schema)
    present = set(column_names(target, table, schema))
    missing = [c for c in columns if c not in present]
    if missing:
        names = ", ".join(repr(c) for c in missing)
        plural = "s" if len(missing) > 1 else ""
        raise SchemaObjectError(
            f"Table {_display(table, schema)!r} has no column{plural} {names}; "
            f"its columns are {', '.join(sorted(present))}."
        )


def require_no_column(target: Target, table: str, column: str, schema: str | None = None) -> None:
    """Raise :class:`SchemaObjectError` if *table* already has *column*."""
    require_table(target, table, schema)
    if column_exists(target, table, column, schema):
        raise SchemaObjectError(
            f"Table {_display(table, schema)!r} already has a column {column!r}; "
            "pick another name or drop it first."
        )


def fetch(target: Target, sql: str, params: dict[str, Any] | None = None) -> list[Any]:
    """Run a read-only query with bound *params* on *target*'s connection; return the rows."""
    return DialectSupport.fetch(connection_of(target), sql, params or {})
