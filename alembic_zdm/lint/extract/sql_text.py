"""Pieces of a statement's own text (a CHECK condition, an UPDATE's SET and WHERE).

Printing them back from the parse tree costs more than parsing did; the user's own
text is cheaper and reads better in a message. The scanner knows quotes and
parentheses only, which is all these clauses need; it returns None when unsure.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[A-Za-z_][A-Za-z_0-9$]*")


def _scan(text: str, start: int) -> list[tuple[int, str]]:
    """``(offset, token)`` of the top-level words, commas and ``;``/``)`` from *start*."""
    out: list[tuple[int, str]] = []
    depth = 0
    i, n = start, len(text)
    while i < n:
        c = text[i]
        if c in "'\"":
            end = text.find(c, i + 1)
            while end != -1 and end + 1 < n and text[end + 1] == c:
                end = text.find(c, end + 2)
            if end == -1:
                return out
            i = end + 1
            continue
        if c == "-" and text.startswith("--", i):
            end = text.find("\n", i)
            i = n if end == -1 else end
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth < 0:
                out.append((i, ")"))
                return out
        elif depth == 0 and (c == "," or c == ";"):
            out.append((i, c))
            if c == ";":
                return out
        elif depth == 0 and (c.isalpha() or c == "_"):
            match = _WORD.match(text, i)
            if match:
                out.append((i, match.group().upper()))
                i = match.end()
                continue
        i += 1
    return out


def _clean(text: str) -> str:
    return " ".join(text.split())


def check_condition(text: str, location: int) -> str | None:
    """The condition of the first ``CHECK (…)`` at or after *location*."""
    match = re.compile(r"(?i)\bCHECK\s*\(").search(text, max(location, 0))
    if match is None:
        return None
    inner = match.end()
    tokens = _scan(text, inner)
    if not tokens or tokens[-1][1] != ")":
        return None
    return _clean(text[inner : tokens[-1][0]]) or None


def update_clauses(text: str, location: int) -> tuple[list[tuple[str, str]], str | None] | None:
    """``([(column, expression)], where)`` of the UPDATE whose table starts at *location*."""
    tokens = _scan(text, max(location, 0))
    words = [t for t in tokens if t[1] not in (",", ";", ")")]
    stop = next((t[0] for t in tokens if t[1] in (";", ")")), len(text))
    set_at = next((t[0] for t in words if t[1] == "SET"), None)
    if set_at is None:
        return None
    ends = [t[0] for t in words if t[0] > set_at and t[1] in ("FROM", "WHERE", "RETURNING")]
    set_end = ends[0] if ends else stop
    pairs: list[tuple[str, str]] = []
    begin = set_at + 3
    for cut in [t[0] for t in tokens if t[1] == "," and set_at < t[0] < set_end] + [set_end]:
        name, eq, value = text[begin:cut].partition("=")
        if not eq:
            return None
        pairs.append((_clean(name).strip('"'), _clean(value)))
        begin = cut + 1
    where_at = next((t[0] for t in words if t[0] > set_at and t[1] == "WHERE"), None)
    where = None
    if where_at is not None:
        after = [t[0] for t in words if t[0] > where_at and t[1] == "RETURNING"]
        where = _clean(text[where_at + 5 : after[0] if after else stop]) or None
    return pairs, where


def where_clause(text: str, location: int) -> str | None:
    """The top-level ``WHERE`` condition of the statement whose table starts at *location*."""
    tokens = _scan(text, max(location, 0))
    stop = next((t[0] for t in tokens if t[1] in (";", ")")), len(text))
    where_at = next((t[0] for t in tokens if t[1] == "WHERE"), None)
    if where_at is None:
        return None
    after = [t[0] for t in tokens if t[0] > where_at and t[1] == "RETURNING"]
    return _clean(text[where_at + 5 : after[0] if after else stop]) or None


_COLUMN_KEYWORDS = frozenset(
    {
        "NOT",
        "NULL",
        "CONSTRAINT",
        "CHECK",
        "REFERENCES",
        "PRIMARY",
        "UNIQUE",
        "COLLATE",
        "GENERATED",
    }
)


def default_expression(text: str, location: int) -> str | None:
    """The expression of the ``DEFAULT …`` clause that starts at *location*."""
    match = re.compile(r"(?i)DEFAULT\s+").match(text, max(location, 0))
    if match is None:
        return None
    start = match.end()
    end = len(text)
    for offset, token in _scan(text, start):
        if token in (",", ";", ")") or (token in _COLUMN_KEYWORDS and offset > start):
            end = offset
            break
    return _clean(text[start:end]) or None
