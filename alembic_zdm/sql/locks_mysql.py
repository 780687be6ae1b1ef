"""What a MySQL / MariaDB statement locks, in MySQL's own terms (for ``plan``).

MySQL has no PostgreSQL lock levels: an ``ALTER TABLE`` takes an exclusive
*metadata lock* at its start and end, and in between the ``ALGORITHM`` decides
whether the table is copied and ``LOCK`` whether writes (or reads) wait. The term
shown is that: ``INSTANT`` / ``INPLACE, LOCK=NONE`` / ``COPY`` with what waits.
The :class:`~alembic_zdm.sql.statement.LockLevel` kept beside it is the nearest
PostgreSQL level, used only to decide which statements get a lock timeout.
"""

from __future__ import annotations

import re

from .locks import LockInfo
from .statement import LockLevel

_ALGORITHM = re.compile(r"\bALGORITHM\s*=?\s*(\w+)", re.I)
_LOCK = re.compile(r"\bLOCK\s*=?\s*(\w+)", re.I)
_TABLE = re.compile(
    r"^\s*(?:ALTER|CREATE|DROP|RENAME)\s+(?:TABLE|(?:UNIQUE\s+)?INDEX\s+\S+\s+ON)\s+"
    r"(?:IF\s+(?:NOT\s+)?EXISTS\s+)?[`\"]?([\w.]+)",
    re.I,
)
_TRIGGER_TABLE = re.compile(r"\bON\s+[`\"]?([\w.]+)", re.I)
_DML_TABLE = re.compile(r"\b(?:UPDATE|INTO|FROM)\s+[`\"]?([\w.]+)", re.I)
_INDEX_WORK = re.compile(r"\bADD\s+(UNIQUE\s+)?(INDEX|KEY|CONSTRAINT|FOREIGN|PRIMARY)\b", re.I)
_REBUILD = re.compile(r"\b(MODIFY|CHANGE|FORCE|ENGINE)\b", re.I)

_WAITS = {"NONE": "writes go on", "SHARED": "writes wait", "EXCLUSIVE": "reads and writes wait"}
_LEVELS = {"NONE": LockLevel.SHARE_UPDATE_EXCLUSIVE, "SHARED": LockLevel.SHARE}


def classify_mysql(sql: str) -> LockInfo:
    """The lock of one MySQL / MariaDB statement, described in MySQL's terms."""
    words = sql.split(None, 2)
    verb = words[0].upper() if words else ""
    noun = words[1].upper() if len(words) > 1 else ""
    if verb in ("ALTER", "CREATE", "DROP", "RENAME") and noun in ("TABLE", "INDEX", "UNIQUE"):
        return _ddl(sql, verb, noun)
    if verb in ("CREATE", "DROP") and noun == "TRIGGER":
        on = _TRIGGER_TABLE.search(sql)
        return LockInfo(
            LockLevel.SHARE_ROW_EXCLUSIVE,
            on.group(1) if on else None,
            kind=f"{verb.lower()} trigger",
            term="metadata lock (exclusive, brief)",
        )
    if verb in ("UPDATE", "DELETE", "INSERT", "REPLACE"):
        into = _DML_TABLE.search(sql)
        table = into.group(1) if into else None
        return LockInfo(LockLevel.ROW_EXCLUSIVE, table, kind="dml", term="row locks")
    return LockInfo(LockLevel.NONE, None, kind="other", term="none")


def _ddl(sql: str, verb: str, noun: str) -> LockInfo:
    match = _TABLE.search(sql)
    table = match.group(1) if match else None
    kind = f"{verb.lower()} {'table' if noun == 'TABLE' else 'index'}"
    if noun == "TABLE" and verb in ("DROP", "RENAME"):
        return LockInfo(
            LockLevel.ACCESS_EXCLUSIVE, table, kind=kind, term="metadata lock (exclusive)"
        )
    if noun == "TABLE" and verb == "CREATE":
        return LockInfo(LockLevel.NONE, table, kind=kind, term="none (new table)")
    found = _ALGORITHM.search(sql)
    if not found and noun == "TABLE":  # plain op.add_column & co: the server picks
        rebuild = bool(_REBUILD.search(sql))
        return LockInfo(
            LockLevel.ACCESS_EXCLUSIVE,
            table,
            rebuild,
            rebuild or bool(_INDEX_WORK.search(sql)),
            kind,
            term="server's choice of algorithm (COPY if nothing better), metadata lock",
        )
    algorithm = found.group(1).upper() if found else "INPLACE"
    if algorithm == "INSTANT":
        return LockInfo(
            LockLevel.ACCESS_EXCLUSIVE, table, kind=kind, term="INSTANT (metadata lock only)"
        )
    given = _LOCK.search(sql)
    lock = given.group(1).upper() if given else ("SHARED" if algorithm == "COPY" else "NONE")
    rewrites = algorithm == "COPY" or bool(_REBUILD.search(sql))
    scans = rewrites or noun != "TABLE" or bool(_INDEX_WORK.search(sql))
    return LockInfo(
        _LEVELS.get(lock, LockLevel.ACCESS_EXCLUSIVE),
        table,
        rewrites,
        scans,
        kind,
        term=f"{algorithm}, LOCK={lock}: {_WAITS.get(lock, lock.lower())}, metadata lock",
    )
