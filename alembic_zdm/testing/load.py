"""Application load for migration tests: writer threads and a lock-holding session.

A zero-downtime migration is proved by running it while the application keeps
working. :class:`AppWriter` plays one version of the application: in a loop, it
inserts rows, updates rows and reads them back through *its* set of columns (the
old code writes ``name``, the new code ``full_name``), and records every error and
every statement's latency. :class:`StatementWriter` repeats one statement (to
measure how long writers wait behind a lock). :class:`LockHolder` is the long
transaction every DBA dreads: it reads a table and then sits idle in transaction;
:class:`LockWatcher` (PostgreSQL) records which locks the migration held and waited
for (both from :mod:`alembic_zdm.testing.locks`, re-exported here).

Example (a rename, old and new code writing, on any database)::

    from alembic_zdm.testing.load import AppWriter, running

    old = AppWriter(url, "users", {"name": lambda n: f"user {n}"}, name="old")
    new = AppWriter(url, "users", {"full_name": lambda n: f"user {n}"}, name="new")
    with running(old):
        old.advance()
        upgrade("zdm-phase:1")
        with running(new):
            new.advance()
            upgrade("zdm-phase:2")
            ...
    assert old.errors == [] and new.errors == []
    # old.expected[row_key] holds what old code last wrote to that row.

Every writer has its own engine in autocommit mode (each statement is what the
application would commit) and stops within a second of :meth:`stop`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

import sqlalchemy as sa

from .locks import LockHolder, LockWatcher

__all__ = [
    "BUSY_TIMEOUT_S",
    "AppWriter",
    "LockHolder",
    "LockWatcher",
    "StatementWriter",
    "ValueOf",
    "paused",
    "running",
]

BUSY_TIMEOUT_S = 5.0
"""SQLite: how long a writer waits for the database lock (pysqlite's default, as most
applications leave it) before its statement fails with ``database is locked``."""

ValueOf = Callable[[int], Any]
"""Gives the value a column gets in the writer's *n*-th statement."""


class _LoadThread(threading.Thread):
    """A daemon thread on its own autocommit engine that records errors and latencies."""

    def __init__(self, url: str, name: str, busy_timeout_s: float = BUSY_TIMEOUT_S) -> None:
        super().__init__(name=name, daemon=True)
        # SQLite: one writer at a time; wait for the lock as an application would.
        extra = {"connect_args": {"timeout": busy_timeout_s}} if url.startswith("sqlite") else {}
        self.engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", **extra)
        self.errors: list[str] = []
        """One line per failed statement: ``ExceptionType: first line of the message``."""
        self.latencies: list[float] = []
        """Seconds each statement took, failed ones included."""
        self.ops = 0
        """Statements that succeeded."""
        self.finished: list[float] = []
        """When each statement that succeeded ended (``time.monotonic()``)."""
        self._stop_event = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self._idle = threading.Event()

    def pause(self, timeout: float = 30.0) -> None:
        """Stop writing after the statement in flight (returns once it finished)."""
        self._idle.clear()
        self._running.clear()
        if self.is_alive():
            self._idle.wait(timeout)

    def resume(self) -> None:
        """Go on writing after :meth:`pause`."""
        self._running.set()

    def _wait_if_paused(self) -> None:
        if not self._running.is_set():
            self._idle.set()
            while not self._running.wait(0.05) and not self.stopping:
                pass

    def _timed(self, call: Callable[..., Any], *args: Any) -> Any:
        started = time.monotonic()
        try:
            result = call(*args)
            self.ops += 1
            self.finished.append(time.monotonic())
            return result
        except Exception as exc:  # recorded: the test asserts there are none
            self.errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0]}")
            return None
        finally:
            self.latencies.append(time.monotonic() - started)

    @property
    def max_latency_ms(self) -> float:
        """The slowest statement so far, in milliseconds (0 before the first)."""
        return max(self.latencies) * 1000 if self.latencies else 0.0

    def completed_between(self, start: float, end: float) -> int:
        """How many statements succeeded and ended inside ``[start, end]`` (monotonic s).

        The robust way to say "writers were not stalled while X held its lock": on a
        loaded machine one commit may take a second, so count what got done in the
        window rather than asserting on the worst latency.
        """
        return sum(1 for t in self.finished if start <= t <= end)

    def advance(self, n: int = 25, timeout: float = 20.0) -> None:
        """Wait until *n* more statements succeeded (so each phase sees traffic).

        Returns early on an error or after *timeout* seconds.
        """
        target, deadline = self.ops + n, time.monotonic() + timeout
        errors = len(self.errors)
        while self.ops < target and time.monotonic() < deadline and len(self.errors) == errors:
            time.sleep(0.01)

    def stop(self) -> None:
        """Stop the loop, wait for the thread and release its connections."""
        self._stop_event.set()
        self._running.set()
        if self.is_alive():
            self.join(30)
        self.engine.dispose()

    @property
    def stopping(self) -> bool:
        """Whether :meth:`stop` was called."""
        return self._stop_event.is_set()


class AppWriter(_LoadThread):
    """One application version inserting, updating and reading *table* through *values*.

    :param url: the database URL.
    :param table: the table the application writes.
    :param values: the columns this application version knows → the value of its
        *n*-th write (``{"name": lambda n: f"user {n}"}``). Only these columns are
        written and read; any other column is left to its default.
    :param name: shown in errors and thread names (``"old"``, ``"new"``).
    :param key: the table's integer primary key column.
    :param rows: existing keys this writer may update (before it inserted any).
    :param schema: the table's schema.
    :param pause_s: sleep between statements.
    :param insert: ``insert(connection, values) -> key`` for SQL the column set cannot
        say (``RETURNING``, expressions); default: ``INSERT`` of *values*.
    :param update: ``update(connection, key, values)``; default: ``UPDATE`` by key.
    :param read: whether to read each written row back (through *values*' columns).
    :param busy_timeout_s: SQLite: how long a statement waits for the database lock.

    Each loop inserts (every other turn, or when it knows no row), else updates one
    of its rows, then reads that row back. :attr:`expected` maps each key it wrote to
    the values it last gave; :attr:`inserted` lists the keys of its inserts.
    """

    def __init__(
        self,
        url: str,
        table: str,
        values: Mapping[str, ValueOf],
        *,
        name: str = "app",
        key: str = "id",
        rows: Sequence[Any] = (),
        schema: str | None = None,
        pause_s: float = 0.002,
        insert: Callable[[sa.Connection, dict[str, Any]], Any] | None = None,
        update: Callable[[sa.Connection, Any, dict[str, Any]], None] | None = None,
        read: bool = True,
        busy_timeout_s: float = BUSY_TIMEOUT_S,
    ) -> None:
        super().__init__(url, name, busy_timeout_s)
        self.values = dict(values)
        self._custom_insert, self._custom_update, self.read = insert, update, read
        self.keys: list[Any] = list(rows)
        self.expected: dict[Any, dict[str, Any]] = {}
        """Key → the values this writer last wrote to that row."""
        self.inserted: list[Any] = []
        self.pause_s = pause_s
        md = sa.MetaData()
        self.table = sa.Table(
            table,
            md,
            sa.Column(key, sa.BigInteger, primary_key=True),
            *(sa.Column(c) for c in self.values),
            schema=schema,
        )
        self.key = self.table.c[key]

    def row(self, n: int) -> dict[str, Any]:
        """The values of this writer's *n*-th write."""
        return {column: value(n) for column, value in self.values.items()}

    def _insert(self, conn: sa.Connection, values: dict[str, Any]) -> Any:
        if self._custom_insert is not None:
            return self._custom_insert(conn, values)
        result = conn.execute(sa.insert(self.table).values(values))
        return result.inserted_primary_key[0]  # type: ignore[index]

    def _update(self, conn: sa.Connection, row_key: Any, values: dict[str, Any]) -> None:
        if self._custom_update is not None:
            self._custom_update(conn, row_key, values)
            return
        conn.execute(sa.update(self.table).where(self.key == row_key).values(values))

    def _read(self, conn: sa.Connection, row_key: Any) -> None:
        columns = [self.table.c[c] for c in self.values]
        conn.execute(sa.select(*columns).where(self.key == row_key)).first()

    def run(self) -> None:
        """The application loop (see the class docstring)."""
        n = 0
        with self.engine.connect() as conn:
            while not self.stopping:
                self._wait_if_paused()
                n += 1
                values = self.row(n)
                failed = len(self.errors)
                if n % 2 == 0 or not self.keys:
                    row_key = self._timed(self._insert, conn, values)
                    if row_key is not None:
                        self.keys.append(row_key)
                        self.inserted.append(row_key)
                else:
                    row_key = self.keys[n % len(self.keys)]
                    self._timed(self._update, conn, row_key, values)
                if row_key is not None and len(self.errors) == failed:
                    self.expected[row_key] = values
                    if self.read:
                        self._timed(self._read, conn, row_key)
                time.sleep(self.pause_s)


class StatementWriter(_LoadThread):
    """Runs one SQL statement in a loop (``INSERT INTO orders (amount) VALUES (1)``).

    What it measures is :attr:`latencies` (how long each statement waited, behind a
    lock queue, say) and :meth:`completed_between` (how many got through while
    something held a lock).

    :param url: the database URL.
    :param sql: the statement.
    :param params: bound values of *sql*.
    :param name: shown in errors and thread names.
    :param pause_s: sleep between statements.
    :param busy_timeout_s: SQLite: how long a statement waits for the database lock.
    """

    def __init__(
        self,
        url: str,
        sql: str,
        params: Mapping[str, Any] | None = None,
        *,
        name: str = "writer",
        pause_s: float = 0.005,
        busy_timeout_s: float = BUSY_TIMEOUT_S,
    ) -> None:
        super().__init__(url, name, busy_timeout_s)
        self.statement = sa.text(sql)
        self.params = dict(params or {})
        self.pause_s = pause_s

    @property
    def max_stall_ms(self) -> float:
        """Alias of :attr:`max_latency_ms` (the longest a write waited)."""
        return self.max_latency_ms

    def run(self) -> None:
        """Execute the statement until stopped."""
        with self.engine.connect() as conn:
            while not self.stopping:
                self._wait_if_paused()
                self._timed(conn.execute, self.statement, self.params)
                time.sleep(self.pause_s)


class _Stoppable(Protocol):
    def is_alive(self) -> bool: ...
    def start(self) -> None: ...
    def stop(self) -> None: ...
    @property
    def ident(self) -> int | None: ...


@contextmanager
def paused(*threads: _LoadThread) -> Iterator[None]:
    """Pause *threads* for the block (SQLite: one writer at a time), then resume them."""
    for thread in threads:
        thread.pause()
    try:
        yield
    finally:
        for thread in threads:
            thread.resume()


@contextmanager
def running(*threads: _Stoppable) -> Iterator[None]:
    """Start *threads* (those not started yet) and stop them all on exit (writers,
    holders and watchers alike)."""
    for thread in threads:
        if not thread.is_alive() and thread.ident is None:
            thread.start()
    try:
        yield
    finally:
        for thread in threads:
            thread.stop()
