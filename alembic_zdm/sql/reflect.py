"""Reading the catalog: SQLAlchemy's inspector, with names as the database spells them.

SQLAlchemy reads MySQL/MariaDB tables from ``SHOW CREATE TABLE`` and returns a name
containing a backtick as it is quoted there (``a``b`` for the column ``a`b``). Every
name the ops read from the catalog goes through :func:`inspector`, which undoes
that, so a reflected name can be quoted again and compared with the user's.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect

_NAME_KEYS = ("name", "referred_table")
_LIST_KEYS = ("column_names", "constrained_columns", "referred_columns")


def _unquote(name: Any) -> Any:
    return name.replace("``", "`") if isinstance(name, str) else name


def _fix(entry: dict[str, Any]) -> dict[str, Any]:
    out = dict(entry)
    for key in _NAME_KEYS:
        if key in out:
            out[key] = _unquote(out[key])
    for key in _LIST_KEYS:
        if out.get(key) is not None:
            out[key] = [_unquote(n) for n in out[key]]
    return out


class _MySQLInspector:
    """The inspector with backtick-doubled names undone (everything else delegated)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def get_columns(self, table: str, schema: str | None = None, **kw: Any) -> list[Any]:
        return [_fix(c) for c in self._inner.get_columns(table, schema=schema, **kw)]

    def get_indexes(self, table: str, schema: str | None = None, **kw: Any) -> list[Any]:
        return [_fix(i) for i in self._inner.get_indexes(table, schema=schema, **kw)]

    def get_pk_constraint(self, table: str, schema: str | None = None, **kw: Any) -> Any:
        return _fix(self._inner.get_pk_constraint(table, schema=schema, **kw))

    def get_foreign_keys(self, table: str, schema: str | None = None, **kw: Any) -> list[Any]:
        return [_fix(f) for f in self._inner.get_foreign_keys(table, schema=schema, **kw)]

    def get_unique_constraints(self, table: str, schema: str | None = None, **kw: Any) -> list[Any]:
        return [_fix(u) for u in self._inner.get_unique_constraints(table, schema=schema, **kw)]

    def get_check_constraints(self, table: str, schema: str | None = None, **kw: Any) -> list[Any]:
        return [_fix(c) for c in self._inner.get_check_constraints(table, schema=schema, **kw)]


def inspector(bind: Any) -> Any:
    """``sqlalchemy.inspect(bind)``; on MySQL/MariaDB with reflected names unquoted."""
    insp = inspect(bind)
    if bind.dialect.name in ("mysql", "mariadb"):
        return _MySQLInspector(insp)
    return insp
