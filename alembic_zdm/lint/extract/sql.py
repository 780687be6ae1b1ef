"""Raw SQL: split a script into statements and classify them into actions.

PostgreSQL targets use pglast (PostgreSQL's own parser, so anything the server
accepts — PL/pgSQL bodies, ``CONCURRENTLY``, ``NOT VALID`` — parses exactly);
MySQL, MariaDB and SQLite use sqlglot. Both are imported on first use only.
"""

from __future__ import annotations

import dataclasses
import re

from ..model import Action
from ..target import Target

_NOT_NULL_CHECK = re.compile(
    r'^\(*\s*"?([A-Za-z_][\w$]*)"?\s+IS\s+NOT\s+NULL\s*\)*$', re.IGNORECASE
)


@dataclasses.dataclass(slots=True)
class SqlStatement:
    """One statement: where it starts in the script, and what it does."""

    offset: int
    actions: list[Action]
    head: str = ""


def not_null_condition(condition: str) -> str:
    """``"email IS NOT NULL"`` → ``"email is not null"`` (normalised); other text unchanged."""
    match = _NOT_NULL_CHECK.match(condition.strip())
    return f"{match.group(1).lower()} is not null" if match else condition


def parse(sql: str, target: Target) -> tuple[list[SqlStatement], list[tuple[int, str]]]:
    """Statements and parse errors (``(offset, message)``) of *sql* for *target*."""
    if target.is_postgresql:
        from . import sql_postgresql

        return sql_postgresql.parse(sql)
    from . import sql_generic

    return sql_generic.parse(sql, "sqlite" if target.dialect == "sqlite" else "mysql")


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of *offset* in *text*."""
    line = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    return line + 1, offset - start + 1
