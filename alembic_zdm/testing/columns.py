"""A column's full definition as the database reports it, to compare before and after.

:func:`column_definition` reads, per database, everything that decides how the
application's statements behave on the column: type, nullability, server default,
collation / character set and comment (where the database has them). Two columns
with equal definitions behave the same for every ``INSERT`` and ``UPDATE``.

Example::

    before = column_definition(conn, "users", "name")
    ...  # safe_rename_column("users", "name", "full_name") through every phase
    assert column_definition(conn, "users", "full_name") == before
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

_POSTGRESQL = """
SELECT format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable,
       pg_get_expr(d.adbin, d.adrelid) AS "default", co.collname AS collation,
       col_description(a.attrelid, a.attnum) AS comment
FROM pg_attribute a
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_collation co ON co.oid = a.attcollation
WHERE a.attrelid = to_regclass(quote_ident(:table)) AND a.attname = :column
  AND NOT a.attisdropped
"""

_MYSQL = """
SELECT column_type AS type, is_nullable = 'YES' AS nullable, column_default AS "default",
       character_set_name AS charset, collation_name AS collation,
       column_comment AS comment, extra
FROM information_schema.columns
WHERE table_schema = DATABASE() AND table_name = :table AND column_name = :column
"""

_SQLITE = """
SELECT type, "notnull" = 0 AS nullable, dflt_value AS "default"
FROM pragma_table_info(:table) WHERE name = :column
"""


def column_definition(connection: sa.Connection, table: str, column: str) -> dict[str, Any]:
    """The definition of *table*.*column* (keys per database); raises if there is none.

    PostgreSQL: ``type, nullable, default, collation, comment``; MySQL/MariaDB: the
    same plus ``charset`` and ``extra``; SQLite: ``type, nullable, default``, the type
    as SQLAlchemy reads it (``int`` and ``INTEGER`` are the same type, and a batch
    table rebuild writes one for the other).
    """
    name = connection.dialect.name
    query = {"postgresql": _POSTGRESQL, "mysql": _MYSQL, "mariadb": _MYSQL}.get(name, _SQLITE)
    if name in ("mysql", "mariadb"):
        query = query.replace('"default"', "`default`")
    row = connection.execute(sa.text(query), {"table": table, "column": column}).mappings().first()
    if row is None:
        raise LookupError(f"Column {column!r} does not exist on table {table!r}.")
    out = dict(row)
    out["nullable"] = bool(out["nullable"])
    if name == "sqlite":  # a table rebuild rewrites declared names (int → INTEGER)
        columns = sa.inspect(connection).get_columns(table)
        reflected = next(c["type"] for c in columns if c["name"] == column)
        out["type"] = str(reflected.compile(dialect=connection.dialect))
    return out
