"""Probes of MySQL/MariaDB and SQLite: durations, rebuilds and the locks their DDL takes.

MySQL/MariaDB DDL commits by itself and holds an exclusive **metadata lock** on the
table at least at its start and end; for the whole statement unless it runs
``ALGORITHM=INSTANT|INPLACE, LOCK=NONE``. A changed InnoDB table id means the table
was rebuilt; an ALTER that reports affected rows copied them one by one
(``ALGORITHM=COPY``). SQLite writes take the database write lock until commit.
"""

from __future__ import annotations

import re
import time
from typing import Any

from .model import HeldLock, TracedStatement

_ALTER = re.compile(r"^\s*alter\s+(?:online\s+|ignore\s+)*table\s+([`\"]?)([^`\"\s(]+)\1", re.I)
_ONLINE = re.compile(r"\block\s*=\s*none\b", re.I)
_INSTANT = re.compile(r"\balgorithm\s*=\s*instant\b", re.I)
_WRITES = re.compile(r"^\s*(insert|update|delete|replace|create|drop|alter)\b", re.I)


def _query(dbapi_conn: Any, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    cur = dbapi_conn.cursor()
    try:
        cur.execute(sql, params) if params else cur.execute(sql)
        return list(cur.fetchall())
    finally:
        cur.close()


class MysqlProbe:
    """The :class:`~alembic_zdm.trace.recorder.Probe` of MySQL and MariaDB."""

    def __init__(self, url: str) -> None:
        self._ids_sql: str | None = None

    def _table_ids(self, dbapi_conn: Any) -> dict[str, int]:
        if self._ids_sql is None:
            for candidate in (
                "SELECT NAME, TABLE_ID FROM information_schema.INNODB_SYS_TABLES",  # MariaDB
                "SELECT NAME, TABLE_ID FROM information_schema.INNODB_TABLES",  # MySQL 8
            ):
                try:
                    _query(dbapi_conn, candidate + " LIMIT 0")
                except Exception:
                    continue
                self._ids_sql = candidate + " WHERE NAME LIKE CONCAT(DATABASE(), '/%%')"
                break
            else:
                self._ids_sql = ""
        if not self._ids_sql:
            return {}
        return {
            str(name).split("/", 1)[1]: int(tid) for name, tid in _query(dbapi_conn, self._ids_sql)
        }

    def before(self, dbapi_conn: Any, sql: str) -> dict[str, int]:
        """InnoDB table ids now."""
        return self._table_ids(dbapi_conn) if _ALTER.match(sql) else {}

    def after(
        self, dbapi_conn: Any, sql: str, snapshot: dict[str, int], started: float, cursor: Any
    ) -> TracedStatement:
        """Rebuild, copy and the metadata lock of an ALTER; duration of anything else."""
        duration = (time.perf_counter() - started) * 1000
        traced = TracedStatement(sql.strip(), duration, in_transaction=False)
        match = _ALTER.match(sql)
        if not match:
            return traced
        table = match.group(2).split(".")[-1]
        ids = self._table_ids(dbapi_conn)
        rebuilt = table in snapshot and table in ids and snapshot[table] != ids[table]
        if rebuilt:
            traced.rewrites.append(table)
        affected = getattr(cursor, "rowcount", 0) or 0
        traced.copied = bool(rebuilt and affected > 0)
        online = bool(_ONLINE.search(sql) or _INSTANT.search(sql))
        traced.locks.append(
            HeldLock(
                table,
                "metadata (exclusive)",
                duration,
                blocks_reads=not online and traced.copied is True,
                blocks_writes=not online,
                measured=False,
            )
        )
        return traced

    def transaction_ended(self, dbapi_conn: Any) -> None:
        """DDL commits by itself: nothing is held across statements."""

    def sync(self, dbapi_conn: Any) -> None:
        """Nothing to follow."""

    def close(self) -> None:
        """No connections of its own."""


class SqliteProbe:
    """The probe of SQLite: one database-wide write lock, held until commit."""

    def __init__(self, url: str) -> None:
        self._held: dict[int, tuple[HeldLock, float]] = {}

    def before(self, dbapi_conn: Any, sql: str) -> None:
        """Nothing to snapshot."""

    def after(
        self, dbapi_conn: Any, sql: str, snapshot: None, started: float, cursor: Any
    ) -> TracedStatement:
        """The write lock taken by the first write of a transaction."""
        now = time.perf_counter()
        traced = TracedStatement(sql.strip(), (now - started) * 1000, dbapi_conn.in_transaction)
        if _WRITES.match(sql) and id(dbapi_conn) not in self._held:
            lock = HeldLock("(database)", "write lock", 0.0, False, True, measured=False)
            traced.locks.append(lock)
            if dbapi_conn.in_transaction:
                self._held[id(dbapi_conn)] = (lock, started)
            else:
                lock.held_ms = traced.duration_ms
        return traced

    def transaction_ended(self, dbapi_conn: Any) -> None:
        """The write lock was held until now."""
        entry = self._held.pop(id(dbapi_conn), None)
        if entry is not None:
            entry[0].held_ms = (time.perf_counter() - entry[1]) * 1000

    def sync(self, dbapi_conn: Any) -> None:
        """``COMMIT`` sent as SQL ends the transaction too."""
        if not dbapi_conn.in_transaction:
            self.transaction_ended(dbapi_conn)

    def close(self) -> None:
        """No connections of its own."""
