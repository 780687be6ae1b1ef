"""PostgreSQL probe: ``pg_locks`` of the migration's own backend, ``relfilenode``, scans.

In a transaction, the locks a statement took are read from ``pg_locks`` of the
migration's backend right after it (before the transaction ends) and probed from a
second session with ``LOCK TABLE … NOWAIT`` (would a reader, a writer have waited?);
they are held until the transaction ends. A statement outside a transaction
(``CREATE INDEX CONCURRENTLY`` in an autocommit block) releases its locks when it
ends, so a sampler session polls ``pg_locks`` while it runs. A changed
``relfilenode`` means the table was rewritten; ``pg_stat_xact_user_tables`` counts
the statement's sequential scans.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from typing import Any

from ..dialects.postgresql import _MODE_NAMES
from ..sql.statement import LockLevel
from .model import HeldLock, TracedStatement

_MODES = _MODE_NAMES  # pg_locks mode name → LockLevel, as the executor reads them
_RANK = {name: list(LockLevel).index(level) for name, level in _MODES.items()}
_USER_TABLES = (
    "SELECT c.oid, c.oid::regclass::text, c.relfilenode FROM pg_class c "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "AND n.nspname NOT LIKE 'pg_toast%%'"
)
_OWN_LOCKS = (
    "SELECT l.relation, l.relation::regclass::text, l.mode FROM pg_locks l "
    "JOIN pg_class c ON c.oid = l.relation "
    "WHERE l.pid = pg_backend_pid() AND l.granted AND l.locktype = 'relation' "
    "AND c.relkind IN ('r', 'p', 'm')"
)
_PID_LOCKS = (
    "SELECT l.relation, l.relation::regclass::text, l.mode FROM pg_locks l "
    "JOIN pg_class c ON c.oid = l.relation "
    "WHERE l.pid = %s AND l.granted AND l.locktype = 'relation' AND c.relkind IN ('r', 'p', 'm')"
)
_XACT_SCANS = "SELECT relid, seq_scan FROM pg_stat_xact_user_tables"
_IN_TRANSACTION = (2, 3)  # libpq PQTRANS_INTRANS, PQTRANS_INERROR


def _status(dbapi_conn: Any) -> int:
    info = getattr(dbapi_conn, "info", None)
    if info is not None and hasattr(info, "transaction_status"):
        return int(info.transaction_status)  # psycopg 3
    return int(dbapi_conn.get_transaction_status())  # psycopg2


def _pid(dbapi_conn: Any) -> int:
    info = getattr(dbapi_conn, "info", None)
    if info is not None and hasattr(info, "backend_pid"):
        return int(info.backend_pid)
    return int(dbapi_conn.get_backend_pid())


def _query(dbapi_conn: Any, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    cur = dbapi_conn.cursor()
    try:
        cur.execute(sql, params) if params else cur.execute(sql)
        return list(cur.fetchall())
    finally:
        cur.close()


@dataclasses.dataclass
class _Snapshot:
    in_transaction: bool
    files: dict[int, tuple[str, int]]
    scans: dict[int, int]
    sampler: _Sampler | None


class _Sampler(threading.Thread):
    """Polls the locks of one backend while an autocommit statement runs."""

    def __init__(self, conn: Any, pid: int) -> None:
        super().__init__(daemon=True)
        self.conn, self.pid = conn, pid
        self.seen: dict[tuple[int, str], list[Any]] = {}  # (oid, mode) -> [name, first, last]
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            now = time.perf_counter()
            for oid, name, mode in _query(self.conn, _PID_LOCKS, (self.pid,)):
                entry = self.seen.setdefault((oid, mode), [name, now, now])
                entry[2] = now
            self.stop.wait(0.005)


class PostgresProbe:
    """The :class:`~alembic_zdm.trace.recorder.Probe` of PostgreSQL."""

    def __init__(self, url: str) -> None:
        import sqlalchemy as sa

        # Raw driver connections: what runs on them fires no SQLAlchemy events.
        self._engine = sa.create_engine(
            url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT"
        )
        self._probe_raw = self._engine.raw_connection()
        self._sampler_raw = self._engine.raw_connection()
        self._probe: Any = self._probe_raw.dbapi_connection
        self._sampler_conn: Any = self._sampler_raw.dbapi_connection
        self._held: dict[int, dict[int, tuple[HeldLock, float]]] = {}
        self._created: dict[int, set[int]] = {}

    def close(self) -> None:
        """Close the probe's two sessions."""
        self._probe_raw.close()
        self._sampler_raw.close()
        self._engine.dispose()

    def before(self, dbapi_conn: Any, sql: str) -> _Snapshot:
        """relfilenodes and scan counters now; a sampler for autocommit statements."""
        in_tx = _status(dbapi_conn) in _IN_TRANSACTION or not getattr(
            dbapi_conn, "autocommit", False
        )
        files = {oid: (name, node) for oid, name, node in _query(dbapi_conn, _USER_TABLES)}
        scans = dict(_query(dbapi_conn, _XACT_SCANS)) if in_tx else {}
        sampler = None
        if not in_tx:
            sampler = _Sampler(self._sampler_conn, _pid(dbapi_conn))
            sampler.start()
        return _Snapshot(in_tx, files, scans, sampler)

    def after(
        self, dbapi_conn: Any, sql: str, snapshot: _Snapshot, started: float, cursor: Any
    ) -> TracedStatement:
        """Locks taken, rewrites, scans and row counts of the statement just run."""
        now = time.perf_counter()
        traced = TracedStatement(sql.strip(), (now - started) * 1000, snapshot.in_transaction)
        if snapshot.sampler is not None:
            snapshot.sampler.stop.set()
            snapshot.sampler.join()
            by_table: dict[int, list[tuple[str, str]]] = {}
            for (oid, mode), (name, _first, _last) in snapshot.sampler.seen.items():
                if oid in snapshot.files:
                    by_table.setdefault(oid, []).append((name, mode))
            for taken in by_table.values():
                taken.sort(key=lambda item: _RANK.get(item[1], -1), reverse=True)
                lock = self._lock(taken[0][0], taken[0][1], (now - started) * 1000, False)
                lock.other_modes = [m for _, m in taken[1:]]
                traced.locks.append(lock)
            if not by_table:
                self._lock_from_statement(sql, snapshot, (now - started) * 1000, traced)
        still_in_tx = _status(dbapi_conn) in _IN_TRANSACTION
        files = {oid: (name, node) for oid, name, node in _query(dbapi_conn, _USER_TABLES)}
        traced.rewrites = [
            name
            for oid, (name, node) in files.items()
            if oid in snapshot.files and snapshot.files[oid][1] != node
        ]
        if still_in_tx:
            scans = dict(_query(dbapi_conn, _XACT_SCANS))
            traced.scans = [
                files[oid][0]
                for oid, count in scans.items()
                if oid in files and oid in snapshot.files and count > snapshot.scans.get(oid, 0)
            ]
            self._take_new_locks(dbapi_conn, snapshot, started, traced)
        else:
            self.transaction_ended(dbapi_conn)
        traced.rows = self._rows(dbapi_conn, {lock.table for lock in traced.locks})
        return traced

    def _lock_from_statement(
        self, sql: str, snapshot: _Snapshot, held_ms: float, traced: TracedStatement
    ) -> None:
        """An autocommit statement too quick for the sampler: its lock as the parser reads it."""
        from ..sql.locks import classify

        info = classify(sql, "postgresql")
        names = {name for name, _ in snapshot.files.values()}
        if info.table is None or info.lock is LockLevel.NONE or info.table not in names:
            return
        mode = next(name for name, level in _MODES.items() if level is info.lock)
        traced.locks.append(self._lock(info.table, mode, held_ms, False))
        traced.note = "ended before the sampler saw it: the lock is read from the statement"

    def _take_new_locks(
        self, dbapi_conn: Any, snapshot: _Snapshot, started: float, traced: TracedStatement
    ) -> None:
        held = self._held.setdefault(id(dbapi_conn), {})
        new: dict[int, list[tuple[str, str]]] = {}
        created = self._created.setdefault(id(dbapi_conn), set())
        for oid, name, mode in _query(dbapi_conn, _OWN_LOCKS):
            if oid not in snapshot.files:
                created.add(oid)  # a table created in this transaction: nobody else sees it
            if oid in held or oid in created:
                continue
            new.setdefault(oid, []).append((name, mode))
        for oid, taken in new.items():
            taken.sort(key=lambda item: _RANK.get(item[1], -1), reverse=True)
            name, mode = taken[0]
            reads, writes = self._probe_blocking(name, _MODES.get(mode, LockLevel.NONE))
            lock = HeldLock(name, mode, 0.0, reads, writes, True, [m for _, m in taken[1:]])
            held[oid] = (lock, started)
            traced.locks.append(lock)

    def _probe_blocking(self, table: str, level: LockLevel) -> tuple[bool, bool]:
        """Would a reader / a writer have waited? Asked with ``LOCK TABLE … NOWAIT``."""
        if not LockLevel.ROW_EXCLUSIVE.conflicts_with(level):
            return False, False  # nothing weaker than SHARE blocks plain reads or writes

        def waits(mode: str) -> bool:
            cur = self._probe.cursor()
            try:
                cur.execute("BEGIN")
                # *table* is regclass output: already quoted by the server
                cur.execute(f"LOCK TABLE {table} IN {mode} MODE NOWAIT")
            except Exception as exc:
                code = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
                if code != "55P03":  # lock_not_available
                    raise
                return True
            finally:
                cur.execute("ROLLBACK")
                cur.close()
            return False

        return waits("ACCESS SHARE"), waits("ROW EXCLUSIVE")

    @staticmethod
    def _lock(name: str, mode: str, held_ms: float, measured: bool) -> HeldLock:
        level = _MODES.get(mode, LockLevel.NONE)
        return HeldLock(
            name,
            mode,
            held_ms,
            blocks_reads=LockLevel.ACCESS_SHARE.conflicts_with(level),
            blocks_writes=LockLevel.ROW_EXCLUSIVE.conflicts_with(level),
            measured=measured,
        )

    def _rows(self, dbapi_conn: Any, tables: set[str]) -> dict[str, int]:
        rows: dict[str, int] = {}
        for table in sorted(tables):
            found = _query(
                dbapi_conn,
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                (table,),
            )
            estimate = int(found[0][0]) if found else -1
            if estimate < 0:
                # *table* is regclass output: already quoted by the server
                estimate = int(_query(dbapi_conn, f"SELECT count(*) FROM {table}")[0][0])  # noqa: S608
            rows[table] = estimate
        return rows

    def transaction_ended(self, dbapi_conn: Any) -> None:
        """Every lock still held on this connection was held until now."""
        now = time.perf_counter()
        self._created.pop(id(dbapi_conn), None)
        for lock, since in self._held.pop(id(dbapi_conn), {}).values():
            lock.held_ms = (now - since) * 1000

    def sync(self, dbapi_conn: Any) -> None:
        """A statement we do not trace may have ended the transaction (``COMMIT``)."""
        if id(dbapi_conn) in self._held and _status(dbapi_conn) not in _IN_TRANSACTION:
            self.transaction_ended(dbapi_conn)
