"""One runner at a time per database (DESIGN §2), taken without holding a snapshot.

The lock lives on its own connection in autocommit, never on the migration's:

* PostgreSQL: a session advisory lock, ``pg_try_advisory_lock``, polled;
* MySQL/MariaDB: ``GET_LOCK(name, 0)``, polled;
* SQLite: an exclusive ``flock`` on ``<database>.zdm-lock`` beside the database.

:class:`RunnerLock` first tries once. Only when another runner holds the lock does
the caller's ``before_wait`` run (the runner ends the migration connection's idle
transaction there, see :mod:`alembic_zdm.phases.environment`), and then the lock is
polled every :data:`POLL_S` seconds for ``runner_lock_wait_s``; after that one
:class:`~alembic_zdm.errors.RunnerLockError` names the holder. Polling (rather than a
blocking ``pg_advisory_lock``) keeps every statement of the waiting runner short:
between polls both of its sessions are idle, with no transaction and no snapshot, so
the first runner's ``CREATE INDEX CONCURRENTLY`` never waits for them.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
import zlib
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from ..errors import RunnerLockError

LOCK_NAME = "alembic_zdm_runner"
PG_LOCK_KEY = zlib.crc32(LOCK_NAME.encode()) & 0x7FFFFFFF
POLL_S = 0.2
"""Seconds between two tries of a waiting runner."""
HELD_ATTR = "_zdm_runner_lock"
"""Attribute of a ``MigrationContext`` whose database's runner lock is held for it."""

log = logging.getLogger("alembic.zdm")


class _Locker:
    """One database's lock primitive: try once, name the holder, release."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def try_acquire(self) -> bool:
        """Take the lock if it is free; never wait."""
        raise NotImplementedError

    def holder(self) -> str:
        """Who holds the lock, as a phrase (``session pid 123 (…)``)."""
        return "another session"

    def release(self) -> None:
        """Give the lock back."""

    def close(self) -> None:
        """Free what :meth:`try_acquire` needed (connection, file)."""


_LOCKERS: dict[str, type[_Locker]] = {}


def _register(*names: str) -> Callable[[type[_Locker]], type[_Locker]]:
    def deco(cls: type[_Locker]) -> type[_Locker]:
        for name in names:
            if name in _LOCKERS:
                raise RuntimeError(f"runner lock for {name} registered twice")
            _LOCKERS[name] = cls
        return cls

    return deco


class _DedicatedConnection(_Locker):
    """A lock held by a session: its own connection from the migration's engine, autocommit."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn)
        self.lock_conn = conn.engine.connect().execution_options(isolation_level="AUTOCOMMIT")

    def _scalar(self, sql: str, **params: Any) -> Any:
        return self.lock_conn.execute(text(sql), params).scalar()

    def _driver_scalar(self, sql: str) -> Any:
        return self.lock_conn.exec_driver_sql(sql).scalar()

    def close(self) -> None:
        self.lock_conn.close()


@_register("postgresql")
class _PostgresLock(_DedicatedConnection):
    def try_acquire(self) -> bool:
        # the key is a constant int: a driver statement skips compiling a text() per run
        return bool(self._driver_scalar(f"SELECT pg_try_advisory_lock({PG_LOCK_KEY:d})"))

    def holder(self) -> str:
        row = self.lock_conn.execute(
            text(
                "SELECT a.pid, a.usename, a.client_addr::text, "
                "extract(epoch FROM now() - a.backend_start)::int, a.application_name "
                "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.objid = :k AND l.granted "
                "AND a.datname = current_database() LIMIT 1"
            ),
            {"k": PG_LOCK_KEY},
        ).first()
        if row is None:
            return "another session"
        app = f", application {row[4]!r}" if row[4] else ""
        return (
            f"session pid {row[0]} (user {row[1]}, from {row[2] or 'local socket'}{app}, "
            f"connected {row[3]} s ago)"
        )

    def release(self) -> None:
        if not self._driver_scalar(f"SELECT pg_advisory_unlock({PG_LOCK_KEY:d})"):
            log.warning(
                "the runner lock was no longer held by this session when the run ended: the "
                "connection is probably pooled in transaction mode (PgBouncer); run migrations "
                "over a direct or session-mode connection (see docs/lock-safety.md)"
            )


def mysql_lock_name(database: str | None) -> str:
    """The ``GET_LOCK`` name of *database* (at most 64 characters, as MySQL requires)."""
    name = f"{LOCK_NAME}:{database or ''}"
    if len(name) <= 64:
        return name
    return f"{LOCK_NAME}:{hashlib.sha256(name.encode()).hexdigest()[:40]}"


@_register("mysql", "mariadb")
class _MySQLLock(_DedicatedConnection):
    def __init__(self, conn: Connection) -> None:
        super().__init__(conn)
        self.name = mysql_lock_name(conn.engine.url.database)

    def try_acquire(self) -> bool:
        return bool(self._scalar("SELECT GET_LOCK(:n, 0)", n=self.name) == 1)

    def holder(self) -> str:
        holder = self._scalar("SELECT IS_USED_LOCK(:n)", n=self.name)
        return f"connection id {holder}" if holder else "another session"

    def release(self) -> None:
        self._scalar("SELECT RELEASE_LOCK(:n)", n=self.name)


@_register("sqlite")
class _SQLiteLock(_Locker):
    def __init__(self, conn: Connection) -> None:
        super().__init__(conn)
        database = conn.engine.url.database
        self.path = f"{database}.zdm-lock" if database and database != ":memory:" else None
        self.fh: Any = open(self.path, "a+") if self.path else None

    def try_acquire(self) -> bool:
        import fcntl

        if self.fh is None:
            return True
        try:
            fcntl.flock(self.fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def holder(self) -> str:
        return f"the process holding {os.path.basename(self.path or '')}"

    def release(self) -> None:
        import fcntl

        if self.fh is not None:
            fcntl.flock(self.fh.fileno(), fcntl.LOCK_UN)

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()


class RunnerLock:
    """The single-runner lock of *conn*'s database.

    :param conn: the migration's connection (the lock uses its engine, never it).
    :param wait_s: how long to wait for another runner before giving up.
    """

    def __init__(self, conn: Connection, wait_s: float) -> None:
        self.conn = conn
        self.wait_s = wait_s
        self.waited_s: float | None = None
        """Seconds this runner waited for another one (``None``: the lock was free)."""
        self.holder: str | None = None
        """Who held the lock when this runner had to wait."""
        self._locker: _Locker | None = None

    def acquire(self, before_wait: Callable[[str], None] | None = None) -> None:
        """Take the lock; when it is held, call ``before_wait(holder)`` once, then poll.

        :raises RunnerLockError: still held after ``wait_s`` seconds.
        """
        cls = _LOCKERS.get(self.conn.dialect.name)
        if cls is None:
            return
        locker = cls(self.conn)
        try:
            if not locker.try_acquire():
                self._wait(locker, before_wait)
        except BaseException:
            locker.close()
            raise
        self._locker = locker

    def _wait(self, locker: _Locker, before_wait: Callable[[str], None] | None) -> None:
        self.holder = locker.holder()
        if before_wait is not None:
            before_wait(self.holder)
        started = time.monotonic()
        deadline = started + max(self.wait_s, 0.0)
        while not locker.try_acquire():
            if time.monotonic() >= deadline:
                raise RunnerLockError(_message(self.conn, locker.holder(), self.wait_s))
            time.sleep(POLL_S)
        self.waited_s = time.monotonic() - started

    def release(self) -> None:
        """Give the lock back (idempotent)."""
        locker, self._locker = self._locker, None
        if locker is None:
            return
        try:
            locker.release()
        finally:
            locker.close()


def _message(conn: Connection, who: str, wait_s: float) -> str:
    db = conn.engine.url.database or "the database"
    return (
        f"Another migration runner is working on database {db!r} ({who}); waited {wait_s:g} s "
        "for it: let it finish (see 'alembic-zdm status'), or raise zdm_runner_lock_wait_s."
    )
