"""Raw SQL: split a script into statements and classify them into actions.

PostgreSQL targets use pglast (PostgreSQL's own parser, so anything the server
accepts — PL/pgSQL bodies, ``CONCURRENTLY``, ``NOT VALID`` — parses exactly);
MySQL, MariaDB and SQLite use sqlglot. Both are imported on first use only.

SQL written in a revision carries bind parameters in every style a driver or
SQLAlchemy accepts (``:name``, ``%s``, ``%(name)s``, ``?``, ``$1``). They are
replaced by the target parser's own placeholder, padded to the same length so
positions stay exact, before parsing. Parsed statements are kept per unique text
and target for the rest of the process: a history repeats the same SQL often.
"""

from __future__ import annotations

import copy
import dataclasses
import re

from ..model import Action, Kind
from ..target import Target

_NOT_NULL_CHECK = re.compile(
    r'^\(*\s*"?([A-Za-z_][\w$]*)"?\s+IS\s+NOT\s+NULL\s*\)*$', re.IGNORECASE
)
# SQLAlchemy's own bind-parameter pattern (sqlalchemy.sql.elements.TextClause), then the
# DBAPI paramstyles: pyformat, format, numeric ($1), qmark.
_NAMED = r"(?<![:\w\\]):\w+(?!:)"
_PYFORMAT = r"%\(\w+\)s|%s"
_PARAMS_PG = re.compile(f"{_NAMED}|{_PYFORMAT}")
_PARAMS_GENERIC = re.compile(rf"{_NAMED}|{_PYFORMAT}|\$\d+")
# ``IN %s`` with a tuple (psycopg adapts it to a list) and SQLAlchemy's expanding ``IN :ids``
_IN_LIST = re.compile(rf"(?i)(\bIN\s+)({_NAMED}|{_PYFORMAT}|\?)")
_SURROGATE = re.compile("[\ud800-\udfff]")
# SQLite's conflict clause on UPDATE, which sqlglot does not read: same statement, same length
_UPDATE_OR = re.compile(r"(?i)\bUPDATE(\s+OR\s+(?:IGNORE|REPLACE|ABORT|FAIL|ROLLBACK))\b")
_CACHE_LIMIT = 4096


@dataclasses.dataclass(slots=True)
class SqlStatement:
    """One statement: where it starts in the script, and what it does."""

    offset: int
    actions: list[Action]
    head: str = ""


Parsed = tuple[list[SqlStatement], list[tuple[int, str]]]
_parsed: dict[tuple[str, str, bool], Parsed] = {}


def not_null_condition(condition: str) -> str:
    """``"email IS NOT NULL"`` → ``"email is not null"`` (normalised); other text unchanged."""
    match = _NOT_NULL_CHECK.match(condition.strip())
    return f"{match.group(1).lower()} is not null" if match else condition


def bind_parameters(sql: str, target: Target) -> str:
    """*sql* with every bind parameter replaced by the parser's placeholder, same length.

    PostgreSQL keeps ``$1`` (its own) and ``?`` (the jsonb operator); the others
    take ``?`` and ``$n`` too.
    """
    if not any(c in sql for c in ":%$?"):
        return sql
    sql = _IN_LIST.sub(lambda m: m.group(1) + "(" + m.group(2) + ")", sql)
    if target.is_postgresql:
        return _PARAMS_PG.sub(lambda m: "$1".ljust(len(m.group())), sql)
    return _PARAMS_GENERIC.sub(lambda m: "?".ljust(len(m.group())), sql)


def parse(sql: str, target: Target, *, params: bool = False) -> Parsed:
    """Statements and parse errors (``(offset, message)``) of *sql* for *target*.

    With ``params=True`` (SQL from a revision's Python code) bind parameters are
    accepted. Every call returns fresh :class:`Action` objects: callers position them.
    """
    key = (sql, str(target), params)
    cached = _parsed.get(key)
    if cached is None:
        cached = _parse(sql, target, params)
        if len(_parsed) >= _CACHE_LIMIT:
            _parsed.clear()
        _parsed[key] = cached
    statements, errors = cached
    fresh = [SqlStatement(s.offset, [copy.copy(a) for a in s.actions], s.head) for s in statements]
    return fresh, list(errors)


def _plain_select(sql: str) -> bool:
    """One ``SELECT`` that reads only: no rule needs it parsed (``set_config`` and
    ``SELECT … INTO`` do something, and are parsed)."""
    text = sql.strip().rstrip(";").lower()
    return (
        text.startswith("select")
        and ";" not in text
        and "set_config" not in text
        and " into " not in text
        and "nextval" not in text
    )


def _parse(sql: str, target: Target, params: bool) -> Parsed:
    if params and _plain_select(sql):
        # not parsed, but still a statement that runs (ZDM110: under a lock taken before)
        read = Action(kind=Kind.QUERY, line=0, col=0, origin="SELECT", via_sql=True)
        return [SqlStatement(0, [read], "SelectStmt")], []
    text = _SURROGATE.sub("\ufffd", sql)  # lone surrogates cannot be encoded for the parser
    if params:
        text = bind_parameters(text, target)
    if target.is_postgresql:
        from . import sql_postgresql

        return sql_postgresql.parse(text)
    from . import sql_generic

    if target.dialect == "sqlite" and "OR" in text.upper():
        text = _UPDATE_OR.sub(lambda m: "UPDATE" + " " * len(m.group(1)), text)
    return sql_generic.parse(text, "sqlite" if target.dialect == "sqlite" else "mysql")


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of *offset* in *text*."""
    line = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    return line + 1, offset - start + 1


def short(message: str, limit: int = 120) -> str:
    """A parser's message, cut to one readable line."""
    first = message.splitlines()[0] if message else ""
    return first if len(first) <= limit else first[: limit - 1] + "…"
