"""What a SQLite statement locks, in SQLite's own terms (for ``plan``).

SQLite has no table locks: a writing statement takes the *database write lock*
until its transaction ends, so every other writer waits (readers go on in WAL
mode). What matters is how long it is held: ``ADD COLUMN`` and ``RENAME`` only
change the schema; ``DROP COLUMN`` rewrites the table; Alembic's batch mode
rebuilds it (copy into a new table, drop, rename); ``CREATE INDEX`` reads it all.
"""

from __future__ import annotations

import re

from .locks import LockInfo
from .statement import LockLevel

WRITE_LOCK = "database write lock"
_TABLE = re.compile(
    r"\b(?:TABLE|INTO|UPDATE|FROM|ON)\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?[`\"]?([\w.]+)", re.I
)
_ON = re.compile(r"\bON\s+[`\"]?([\w.]+)", re.I)
_BATCH = re.compile(r"^--\s*batch_alter_table\(([^)]+)\)", re.I)


def classify_sqlite(sql: str) -> LockInfo:
    """The lock of one SQLite statement (or of a batch-mode rebuild, as ``plan`` shows it)."""
    batch = _BATCH.match(sql)
    if batch:
        return LockInfo(
            LockLevel.ACCESS_EXCLUSIVE,
            batch.group(1),
            rewrites=True,
            scans=True,
            kind="table rebuild",
            term=f"{WRITE_LOCK}, table rebuild",
        )
    words = sql.split(None, 2)
    verb = words[0].upper() if words else ""
    found = _TABLE.search(sql)
    table = found.group(1) if found else None
    upper = sql.upper()
    if verb == "ALTER":
        rewrites = "DROP COLUMN" in upper
        term = f"{WRITE_LOCK}, table rewrite" if rewrites else f"{WRITE_LOCK}, schema change only"
        return LockInfo(LockLevel.ACCESS_EXCLUSIVE, table, rewrites, rewrites, "alter table", term)
    if verb == "CREATE" and " INDEX " in f" {upper} ":
        return LockInfo(
            LockLevel.SHARE, table, scans=True, kind="create index", term=f"{WRITE_LOCK}, full read"
        )
    if verb == "CREATE" and " TRIGGER " in f" {upper} ":
        on = _ON.search(sql)
        table = on.group(1) if on else None
        return LockInfo(
            LockLevel.SHARE_ROW_EXCLUSIVE, table, kind="create trigger", term=WRITE_LOCK
        )
    if verb in ("CREATE", "DROP"):
        return LockInfo(LockLevel.ACCESS_EXCLUSIVE, table, kind=verb.lower(), term=WRITE_LOCK)
    if verb in ("UPDATE", "DELETE", "INSERT", "REPLACE"):
        return LockInfo(LockLevel.ROW_EXCLUSIVE, table, kind="dml", term=WRITE_LOCK)
    return LockInfo(LockLevel.NONE, None, kind="other", term="none")
