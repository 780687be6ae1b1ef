"""Conversions that never fail a write: the shadow column of a type change.

While ``safe_change_column_type`` runs, the *old* application keeps writing the old
column, and a trigger converts every value into the shadow column. A value that
does not convert (``'xyz'`` into an integer) must not fail the application's
``INSERT``: the shadow gets NULL (or the op's ``fallback=``), and the row is counted
by :func:`failures` — before expand (existing rows) and in the migrate phase's check,
which name the rows' keys and values.

Per database (:meth:`~alembic_zdm.ops._ddl.ColumnDdl.conversion` builds a
:class:`Conversion`):

* PostgreSQL: two PL/pgSQL functions of the table's row type, ``zdm_cv_…(row)``
  (the value, or the fallback on any conversion error) and ``zdm_cvok_…(row)``
  (whether it converts), so ``using=`` may name any column;
* MySQL / MariaDB: two stored functions of the column's value with an ``EXIT
  HANDLER`` for errors and warnings (strict or not, ``'xyz'`` never silently
  becomes 0); ``using=`` may name only the column itself there;
* SQLite: ``CAST`` never fails but turns ``'xyz'`` into 0, so a value converts when
  converting it back gives the same value (a ``CASE`` expression, no function).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ..sql.statement import Statement


@dataclasses.dataclass(frozen=True)
class Conversion:
    """How the shadow column's value is computed without ever raising."""

    setup: list[Statement]
    """Statements creating the helper functions (before the trigger uses them)."""
    teardown: list[Statement]
    """Statements dropping them (after the trigger is gone)."""
    in_trigger: str
    """The converted value, as a dual-write forward expression."""
    in_row: str
    """The converted value, over the table's row (backfill ``SET``)."""
    converts: str
    """A condition over the row: the value converts (or is NULL)."""


def failures(
    ctx: Any, table: str, column: str, schema: str | None, converts: str, sample: int = 5
) -> tuple[int, list[tuple[Any, Any]]]:
    """How many rows of *table* do not convert, and up to *sample* ``(key, value)`` pairs."""
    from sqlalchemy import column as col
    from sqlalchemy import func, literal_column, not_, select
    from sqlalchemy import table as tbl

    from ..backfill.spec import find_key

    key = find_key(ctx.connection, table, schema)
    names = dict.fromkeys((*key, column))
    t = tbl(table, *(col(n) for n in names), schema=schema)
    bad: Any = not_(literal_column(f"({converts})"))
    count = ctx.connection.execute(select(func.count()).select_from(t).where(bad)).scalar()
    rows = ctx.connection.execute(
        select(*(t.c[k] for k in key), t.c[column])
        .where(bad)
        .order_by(*(t.c[k] for k in key))
        .limit(sample)
    )
    shown = [(r[0] if len(key) == 1 else tuple(r[: len(key)]), r[-1]) for r in rows]
    return int(count or 0), shown


def describe(sample: list[tuple[Any, Any]], key_name: str = "key") -> str:
    """``id 3: 'xyz', id 7: '1.5'`` — the rows of a failure message."""
    return ", ".join(f"{key_name} {k}: {v!r}" for k, v in sample)


def postgresql_conversion(
    ddl: Any, table: str, column: str, expr: str, type_sql: str, fallback: str | None,
    schema: str | None,
) -> Conversion:  # fmt: skip
    """Two row-typed PL/pgSQL functions (see the module docstring)."""
    from .. import naming
    from ..sql.quoting import dollar_quote
    from ..sql.statement import TimeoutClass

    q, name = ddl.q, ddl.dialect.name
    fn = q.table(naming.conversion_function(table, column, name), schema)
    ok = q.table(naming.conversion_check(table, column, name), schema)
    row_type = q.table(table, schema)
    # *expr* and *fallback* are the author's SQL by design; names are quoted.
    value = f"(SELECT ({expr}) FROM (SELECT (zdm_r).*) AS zdm_row)"  # noqa: S608
    on_error = fallback if fallback is not None else "NULL"
    bodies = {
        fn: (
            type_sql,
            f"\nBEGIN\n  RETURN {value};\nEXCEPTION WHEN others THEN\n  RETURN ({on_error});\nEND\n",
        ),
        ok: (
            "boolean",
            f"\nDECLARE zdm_v {type_sql};\nBEGIN\n  zdm_v := {value};\n  RETURN true;\n"
            "EXCEPTION WHEN others THEN\n  RETURN false;\nEND\n",
        ),
    }
    setup = [
        Statement(
            f"CREATE OR REPLACE FUNCTION {f}(zdm_r {row_type}) RETURNS {returns} "
            f"LANGUAGE plpgsql STABLE AS {dollar_quote(body)}",
            timeout_class=TimeoutClass.NONE,
            description=f"conversion function of {table}.{column}",
        )
        for f, (returns, body) in bodies.items()
    ]
    teardown = [
        Statement(
            f"DROP FUNCTION IF EXISTS {f}({row_type})",
            timeout_class=TimeoutClass.NONE,
            description=f"drop the conversion function of {table}.{column}",
        )
        for f in bodies
    ]
    row = q.name(table)
    return Conversion(setup, teardown, f"{fn}(NEW)", f"{fn}({row})", f"{ok}({row})")


def mysql_conversion(
    ddl: Any, table: str, column: str, using: str | None, new_type: Any, old_type: Any,
    fallback: str | None, schema: str | None,
) -> Conversion:  # fmt: skip
    """Two stored functions whose parameter is named like the column, so *using* (or the
    plain column: MySQL converts on assignment) reads it; a handler for SQLEXCEPTION and
    SQLWARNING returns the fallback (or says "does not convert")."""
    from .. import naming
    from ..errors import SchemaObjectError
    from ..sql.statement import TimeoutClass

    if old_type is None:
        raise SchemaObjectError(
            f"safe_change_column_type on {table}.{column} needs the column's current type "
            f"to write MySQL/MariaDB conversion functions; run it online."
        )
    q, name, dialect = ddl.q, ddl.dialect.name, ddl.dialect
    param = q.name(column)
    expr = using if using is not None else param
    type_sql, old_sql = new_type.compile(dialect=dialect), old_type.compile(dialect=dialect)
    fn = q.table(naming.conversion_function(table, column, name), schema)
    ok = q.table(naming.conversion_check(table, column, name), schema)
    on_error = fallback if fallback is not None else "NULL"
    handler = "DECLARE EXIT HANDLER FOR SQLEXCEPTION, SQLWARNING RETURN"
    bodies = {
        fn: (type_sql, f"BEGIN {handler} ({on_error}); RETURN ({expr}); END"),
        ok: (
            "TINYINT",
            f"BEGIN DECLARE zdm_v {type_sql}; {handler} 0; SET zdm_v = ({expr}); RETURN 1; END",
        ),
    }
    setup, teardown = [], []
    for f, (returns, body) in bodies.items():
        drop = Statement(
            f"DROP FUNCTION IF EXISTS {f}",
            timeout_class=TimeoutClass.NONE,
            description=f"drop the conversion function of {table}.{column}",
        )
        setup.append(drop)
        setup.append(
            Statement(
                f"CREATE FUNCTION {f}({param} {old_sql}) RETURNS {returns} "
                f"DETERMINISTIC NO SQL {body}",
                timeout_class=TimeoutClass.NONE,
                description=f"conversion function of {table}.{column}",
            )
        )
        teardown.append(drop)
    return Conversion(setup, teardown, f"{fn}({param})", f"{fn}({param})", f"{ok}({param})")


def sqlite_conversion(
    ddl: Any, column: str, using: str | None, new_type: Any, fallback: str | None
) -> Conversion:
    """``CASE WHEN v IS NULL THEN NULL WHEN v = CAST(v AS T) THEN CAST(v AS T) ELSE
    fallback END``: ``'12'`` converts, ``'xyz'`` (which ``CAST`` makes 0) does not."""
    col = ddl.q.name(column)
    if using is not None:  # the author's expression: SQLite evaluates it without raising
        return Conversion([], [], using, using, "1 = 1")
    cast = ddl.convert(col, new_type.compile(dialect=ddl.dialect))
    converts = f"{col} IS NULL OR {col} = {cast}"
    on_error = fallback if fallback is not None else "NULL"
    value = (
        f"CASE WHEN {col} IS NULL THEN NULL WHEN {col} = {cast} THEN {cast} ELSE ({on_error}) END"
    )
    return Conversion([], [], value, value, converts)
