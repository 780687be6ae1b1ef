"""One runner at a time per database (DESIGN §2).

PostgreSQL: ``pg_try_advisory_lock`` on a dedicated connection (so it survives the
runner's own commits and works behind a transaction-mode pooler only if that
connection is direct — see docs). MySQL/MariaDB: ``GET_LOCK`` on a dedicated
connection. SQLite: an exclusive ``flock`` on a lock file beside the database.
A second runner retries for ``runner_lock_wait_s`` seconds, then fails clearly.
"""

from __future__ import annotations

import contextlib
import os
import time
import zlib
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from ..errors import RunnerLockError

LOCK_NAME = "alembic_zdm_runner"
PG_LOCK_KEY = zlib.crc32(LOCK_NAME.encode()) & 0x7FFFFFFF
POLL_S = 0.2

_Locker = Callable[[Connection, float], contextlib.AbstractContextManager[None]]
_LOCKERS: dict[str, _Locker] = {}


def _register(*names: str) -> Callable[[_Locker], _Locker]:
    def deco(fn: _Locker) -> _Locker:
        for name in names:
            if name in _LOCKERS:
                raise RuntimeError(f"runner lock for {name} registered twice")
            _LOCKERS[name] = fn
        return fn

    return deco


@contextlib.contextmanager
def runner_lock(conn: Connection, wait_s: float) -> Iterator[None]:
    """Hold the single-runner lock of *conn*'s database for the duration of the block."""
    locker = _LOCKERS.get(conn.dialect.name)
    if locker is None:
        yield
        return
    with locker(conn, wait_s):
        yield


def _wait_for(try_once: Callable[[], bool], wait_s: float) -> bool:
    deadline = time.monotonic() + max(wait_s, 0.0)
    while True:
        if try_once():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_S)


def _dedicated(conn: Connection) -> Connection:
    return conn.engine.connect().execution_options(isolation_level="AUTOCOMMIT")


@_register("postgresql")
@contextlib.contextmanager
def _pg_lock(conn: Connection, wait_s: float) -> Iterator[None]:
    lock_conn = _dedicated(conn)
    try:

        def attempt() -> bool:
            return bool(
                lock_conn.execute(
                    text("SELECT pg_try_advisory_lock(:k)"), {"k": PG_LOCK_KEY}
                ).scalar()
            )

        if not _wait_for(attempt, wait_s):
            holder = lock_conn.execute(
                text(
                    "SELECT a.pid, a.usename, a.client_addr::text, "
                    "extract(epoch FROM now() - a.backend_start)::int "
                    "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                    "WHERE l.locktype = 'advisory' AND l.objid = :k AND l.granted "
                    "AND a.datname = current_database() LIMIT 1"
                ),
                {"k": PG_LOCK_KEY},
            ).first()
            who = (
                f"session pid {holder[0]} (user {holder[1]}, from {holder[2] or 'local socket'}, "
                f"connected {holder[3]} s ago)"
                if holder
                else "another session"
            )
            raise RunnerLockError(_message(conn, who, wait_s))
        try:
            yield
        finally:
            lock_conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_LOCK_KEY})
    finally:
        lock_conn.close()


@_register("mysql", "mariadb")
@contextlib.contextmanager
def _mysql_lock(conn: Connection, wait_s: float) -> Iterator[None]:
    lock_conn = _dedicated(conn)
    name = f"{LOCK_NAME}:{conn.engine.url.database}"
    try:
        got = lock_conn.execute(
            text("SELECT GET_LOCK(:n, :t)"), {"n": name, "t": max(int(wait_s), 0)}
        ).scalar()
        if got != 1:
            holder = lock_conn.execute(text("SELECT IS_USED_LOCK(:n)"), {"n": name}).scalar()
            who = f"connection id {holder}" if holder else "another session"
            raise RunnerLockError(_message(conn, who, wait_s))
        try:
            yield
        finally:
            lock_conn.execute(text("SELECT RELEASE_LOCK(:n)"), {"n": name})
    finally:
        lock_conn.close()


@_register("sqlite")
@contextlib.contextmanager
def _sqlite_lock(conn: Connection, wait_s: float) -> Iterator[None]:
    import fcntl

    database = conn.engine.url.database
    if not database or database == ":memory:":
        yield
        return
    path = f"{database}.zdm-lock"
    fh: Any = open(path, "a+")
    try:

        def attempt() -> bool:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

        if not _wait_for(attempt, wait_s):
            raise RunnerLockError(
                _message(conn, f"the process holding {os.path.basename(path)}", wait_s)
            )
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    finally:
        fh.close()


def _message(conn: Connection, who: str, wait_s: float) -> str:
    db = conn.engine.url.database or "the database"
    return (
        f"Another migration runner is working on database {db!r} ({who}); waited {wait_s:g} s "
        "for it: let it finish (see 'alembic-zdm status'), or raise zdm_runner_lock_wait_s."
    )
