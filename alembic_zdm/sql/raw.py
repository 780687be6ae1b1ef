"""SQL written by the revision author (``set=``, ``where=``), passed exactly as written.

A fragment is SQL, never data: colons (``'{"a":1}'``, ``x::int``, ``'a :b'``) and
comments (``-- why``) reach the database unchanged. Values go through ``params=``: a
``:name`` placeholder whose *name* is a key of ``params`` (outside string literals,
quoted names and comments) becomes a bound parameter; every other character is left
alone. The fragment is wrapped in parentheses, the closing one on a line of its own
when the fragment has a ``--`` comment (which would otherwise swallow it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.sql.elements import TextClause

from ..errors import SchemaObjectError

_PLACEHOLDER = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
_DOLLAR = re.compile(r"\$([A-Za-z_]\w*)?\$")


def _skip_quoted(sql: str, i: int) -> int:
    """Index after the literal, quoted name or comment starting at *i* (or *i* itself)."""
    ch = sql[i]
    if ch in "'\"`":
        j = i + 1
        while j < len(sql):
            if sql[j] == ch:
                if j + 1 < len(sql) and sql[j + 1] == ch:  # '' inside '…'
                    j += 2
                    continue
                return j + 1
            if sql[j] == "\\" and ch == "'":
                j += 2
                continue
            j += 1
        return len(sql)
    if sql.startswith("--", i):
        end = sql.find("\n", i)
        return len(sql) if end < 0 else end
    if sql.startswith("/*", i):
        end = sql.find("*/", i + 2)
        return len(sql) if end < 0 else end + 2
    if ch == "$":
        m = _DOLLAR.match(sql, i)
        if m and (i == 0 or not (sql[i - 1].isalnum() or sql[i - 1] == "_")):
            end = sql.find(m.group(0), m.end())
            return len(sql) if end < 0 else end + len(m.group(0))
    return i


def placeholders(sql: str, names: set[str]) -> list[tuple[int, int, str]]:
    """``(start, end, name)`` of each ``:name`` in *sql* with *name* in *names*, in code only."""
    found: list[tuple[int, int, str]] = []
    i = 0
    while i < len(sql):
        after = _skip_quoted(sql, i)
        if after != i:
            i = after
            continue
        if sql[i] == ":":
            m = _PLACEHOLDER.match(sql, i) if i == 0 or sql[i - 1] != ":" else None
            if m and m.group(1) in names and not sql.startswith("::", i):
                found.append((i, m.end(), m.group(1)))
                i = m.end()
                continue
        i += 1
    return found


def _escape(chunk: str) -> str:
    r"""*chunk* with every colon escaped for :func:`sqlalchemy.text` (``\:`` renders ``:``)."""
    return chunk.replace(":", "\\:")


def fragment(sql: str, params: Mapping[str, Any] | None = None) -> TextClause:
    """The author's *sql* as a Core element, parenthesised, with the *params* it uses bound.

    :param sql: SQL written by the revision author (an expression or a condition).
    :param params: values for the ``:name`` placeholders of *sql* (others are ignored).
    """
    params = dict(params or {})
    spots = placeholders(sql, set(params))
    parts, last = [], 0
    for start, end, name in spots:
        parts.append(_escape(sql[last:start]) + ":" + name)
        last = end
    parts.append(_escape(sql[last:]))
    close = "\n)" if "--" in sql else ")"  # a trailing comment must not swallow the ")"
    clause = text("(" + "".join(parts) + close)
    used = sorted({name for _, _, name in spots})
    if used:
        clause = clause.bindparams(*(bindparam(n, params[n]) for n in used))
    return clause


def check_params(fragments: dict[str, str], params: Mapping[str, Any] | None) -> None:
    """Raise one sentence when a key of *params* is used by none of *fragments*.

    :param fragments: how to name each fragment (``"where="``) → its SQL.
    """
    names = set(params or {})
    used = {n for sql in fragments.values() for _, _, n in placeholders(sql, names)}
    unused = sorted(names - used)
    if unused:
        where = ", ".join(fragments)
        raise SchemaObjectError(
            f"params= gives {', '.join(map(repr, unused))}, but no "
            f"{', '.join(':' + u for u in unused)} placeholder appears in {where}; "
            f"remove it from params= or use it in the SQL."
        )
