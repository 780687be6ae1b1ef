"""The table SQLite batch mode copies, with its constraint names read correctly.

SQLAlchemy finds SQLite foreign-key names by matching ``CONSTRAINT … FOREIGN KEY …
REFERENCES "…"`` in the table's SQL with a pattern that does not undo doubled quotes,
so a referenced table named ``p"x`` loses its key's name, and Alembic's batch mode
would recreate the key unnamed. :func:`reflected_table` reflects the table and puts
the names back, read from the SQL by a tokenizer that knows SQLite's quoting.
"""

from __future__ import annotations

import re
from typing import Any

_IDENT = r'"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\]|[^\s(),"`\[]+'
_FK = re.compile(
    rf"CONSTRAINT\s+({_IDENT})\s+FOREIGN\s+KEY\s*\(([^)]*)\)\s*REFERENCES\s+({_IDENT})"
    rf"\s*(?:\(([^)]*)\))?",
    re.IGNORECASE,
)


def _unquote(token: str) -> str:
    token = token.strip()
    if token[:1] == '"':
        return token[1:-1].replace('""', '"')
    if token[:1] == "`":
        return token[1:-1].replace("``", "`")
    if token[:1] == "[":
        return token[1:-1]
    return token


def _names(listing: str | None) -> tuple[str, ...]:
    return tuple(_unquote(t) for t in re.findall(_IDENT, listing or ""))


def foreign_key_names(sql: str) -> dict[tuple[tuple[str, ...], str, tuple[str, ...]], str]:
    """``(columns, referred table, referred columns) → name`` of each named foreign key.

    >>> foreign_key_names("CREATE TABLE t (a int, CONSTRAINT [fk x] FOREIGN KEY (a) "
    ...                   "REFERENCES `p``x` (id))")
    {(('a',), 'p`x', ('id',)): 'fk x'}
    """
    return {
        (_names(m.group(2)), _unquote(m.group(3)), _names(m.group(4))): _unquote(m.group(1))
        for m in _FK.finditer(sql)
    }


def reflected_table(connection: Any, table: str, schema: str | None) -> Any:
    """*table* reflected by SQLAlchemy, each foreign key under its name in the SQL."""
    from sqlalchemy import MetaData, Table

    reflected = Table(table, MetaData(), schema=schema, autoload_with=connection)
    names = foreign_key_names(table_sql(connection, table))
    for fk in reflected.foreign_key_constraints:
        if fk.name is None:
            referred = fk.elements[0].column.table.name
            cols = tuple(c.name for c in fk.columns)
            key = (cols, referred, tuple(e.column.name for e in fk.elements))
            fk.name = names.get(key) or names.get((cols, referred, ()))
    return reflected


_NAMED = re.compile(rf"CONSTRAINT\s+({_IDENT})\s+(FOREIGN|CHECK|UNIQUE|PRIMARY)", re.IGNORECASE)
_KINDS = {"FOREIGN": "f", "CHECK": "c", "UNIQUE": "u", "PRIMARY": "p"}


def named_constraints(sql: str) -> dict[str, str]:
    """Each ``CONSTRAINT <name>`` of a ``CREATE TABLE`` → its kind (``f``, ``c``, ``u``, ``p``).

    >>> named_constraints("CREATE TABLE t (a int, CONSTRAINT `c``k` CHECK (a > 0))")
    {'c`k': 'c'}
    """
    return {_unquote(m.group(1)): _KINDS[m.group(2).upper()] for m in _NAMED.finditer(sql)}


def table_sql(connection: Any, table: str) -> str:
    """The ``CREATE TABLE`` statement SQLite keeps for *table* (empty if none)."""
    from sqlalchemy import text

    row = connection.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :t"), {"t": table}
    ).first()
    return str(row[0]) if row and row[0] else ""
