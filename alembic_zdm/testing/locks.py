"""Sessions that hold locks, and a watcher of who waits for them (for migration tests).

:class:`LockHolder` is the long transaction every DBA dreads: it reads (or writes) a
table and then sits idle in transaction, so DDL on that table has to wait.
:class:`LockWatcher` (PostgreSQL) samples ``pg_locks`` to show which locks the
migration's session held and waited for, and when. Both are re-exported by
:mod:`alembic_zdm.testing.load` and stop with its :func:`~alembic_zdm.testing.load.running`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import sqlalchemy as sa

_SESSION_ID = {
    "postgresql": "SELECT pg_backend_pid()",
    "mysql": "SELECT CONNECTION_ID()",
    "mariadb": "SELECT CONNECTION_ID()",
}


class LockHolder(threading.Thread):
    """A session that reads *table* in a transaction, then stays idle in it for *seconds*.

    That read keeps a shared lock (PostgreSQL ``ACCESS SHARE``, MySQL metadata lock)
    that any DDL on the table must wait for. :attr:`ready` is set once the lock is
    held; :attr:`session_id` is the backend pid / connection id (to find it in
    ``pg_stat_activity`` or an error message). :meth:`release` ends it early. The
    transaction is rolled back at the end: nothing it did stays.

    :param url: the database URL.
    :param seconds: how long to stay idle in the transaction at most.
    :param table: the table to read.
    :param sql: a statement to run instead of the read, e.g. an ``UPDATE`` to hold row
        locks and ``ROW EXCLUSIVE``: ``"UPDATE p SET v = v + 1 WHERE id = 1"``.
    """

    def __init__(
        self, url: str, seconds: float, table: str = "orders", *, sql: str | None = None
    ) -> None:
        super().__init__(daemon=True)
        self.engine = sa.create_engine(url)
        self.seconds = seconds
        self.table = table
        self.sql = sql
        self.ready = threading.Event()
        self.session_id: int = 0
        self.began = 0.0
        """When the lock was held (``time.monotonic()``)."""
        self.releasing_at = float("inf")
        """When it started to end its transaction (``time.monotonic()``)."""
        self.ended = float("inf")
        """When its transaction had ended (``time.monotonic()``)."""
        self._release = threading.Event()

    @property
    def pid(self) -> int:
        """Alias of :attr:`session_id`."""
        return self.session_id

    def run(self) -> None:
        """Take the lock, hold it, roll back."""
        with self.engine.connect() as conn:
            query = _SESSION_ID.get(conn.dialect.name)
            if query is not None:
                self.session_id = int(conn.execute(sa.text(query)).scalar_one())
            if self.sql is None:
                quoted = conn.dialect.identifier_preparer.quote(self.table)
                conn.execute(sa.text(f"SELECT count(*) FROM {quoted}"))  # noqa: S608 (quoted name)
            else:
                conn.exec_driver_sql(self.sql)
            self.began = time.monotonic()
            self.ready.set()
            self._release.wait(self.seconds)
            self.releasing_at = time.monotonic()
            conn.rollback()
            self.ended = time.monotonic()
        self.engine.dispose()

    def hold(self, timeout: float = 10.0) -> LockHolder:
        """Start and wait until the lock is held; returns self."""
        self.start()
        self.ready.wait(timeout)
        return self

    def release(self) -> None:
        """End the transaction now and wait for the thread."""
        self._release.set()
        self.join(30)

    def stop(self) -> None:
        """Same as :meth:`release` (so :func:`running` can end it)."""
        self.release()


_WATCH_SQL = """
SELECT l.relation::regclass::text AS rel, l.mode, l.granted
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'relation' AND a.application_name = :app
  AND l.relation IN (SELECT oid FROM pg_class WHERE relname = ANY(:tables))
"""

Sample = dict[str, list[tuple[str, bool]]]
"""One look at ``pg_locks``: table → ``[(lock mode, granted), …]`` of the watched session."""


class LockWatcher(threading.Thread):
    """PostgreSQL: records, from a session of its own, the table locks another session
    holds and waits for — the migration's, found by its ``application_name``.

    Proves lock behaviour structurally, which a loaded machine cannot fake or hide
    ("the migration never waited for ``p`` while holding a lock on ``t``")::

        watcher = LockWatcher(pg_url, "migration", ["t", "p"])
        with running(watcher):  # the migration connects with application_name=migration
            command.upgrade(cfg, "zdm-phase:1")
        assert [s for s in watcher.waiting_on("p") if s.get("t")] == []

    :param url: the database URL (any session may read ``pg_locks``).
    :param app: the ``application_name`` of the session to watch.
    :param tables: the table names to report on.
    :param interval: seconds between samples.
    """

    def __init__(self, url: str, app: str, tables: Sequence[str], interval: float = 0.005) -> None:
        super().__init__(daemon=True)
        self.engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        self.app = app
        self.tables = list(tables)
        self.interval = interval
        self._stop_event = threading.Event()
        self.samples: list[Sample] = []
        self.times: list[float] = []
        """When each sample was taken (``time.monotonic()``)."""

    def run(self) -> None:
        """Sample until stopped."""
        with self.engine.connect() as conn:
            while not self._stop_event.is_set():
                rows = conn.execute(sa.text(_WATCH_SQL), {"app": self.app, "tables": self.tables})
                sample: Sample = {}
                for row in rows:
                    sample.setdefault(row.rel, []).append((row.mode, row.granted))
                self.samples.append(sample)
                self.times.append(time.monotonic())
                time.sleep(self.interval)

    def stop(self) -> None:
        """Stop sampling and release the connection."""
        self._stop_event.set()
        if self.is_alive():
            self.join(10)
        self.engine.dispose()

    def waiting_on(self, table: str, until: float | None = None) -> list[Sample]:
        """Samples (taken before *until*) in which the watched session waited on *table*."""
        return [
            s
            for s, t in zip(self.samples, self.times, strict=True)
            if (until is None or t < until) and any(not g for _, g in s.get(table, []))
        ]
