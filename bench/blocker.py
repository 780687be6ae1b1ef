"""A long-running transaction that holds a lock on the application table.

The lock-queue outage: a transaction that has written to a table holds ROW EXCLUSIVE
on it until it ends. A migration's ``CREATE INDEX`` (SHARE), ``ADD FOREIGN KEY``
(SHARE ROW EXCLUSIVE) or ``ALTER TABLE`` (ACCESS EXCLUSIVE) then waits for it, and
every application statement that arrives later queues behind the waiting DDL.
The blocker takes that table lock with ``LOCK TABLE … IN ROW EXCLUSIVE MODE`` rather
than by updating a row, so that it holds no row lock the workload or a backfill could
also wait on: what is measured is the table-lock queue alone.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from psycopg import sql

from bench.database import TABLE, connect

LOCK_MODES = ("ACCESS SHARE", "ROW EXCLUSIVE", "SHARE", "ACCESS EXCLUSIVE")


class LockHolder(threading.Thread):
    """Holds a table lock in an open transaction for *hold_s* seconds.

    :param url: the database.
    :param hold_s: how long the lock is held once taken.
    :param mode: the table lock mode (one of :data:`LOCK_MODES`).
    :param table: the table to lock.

    After :meth:`join`, :attr:`requested_at`, :attr:`acquired_at` and :attr:`released_at`
    hold the times (on the ``time.monotonic`` clock) the lock was asked for, was held
    (as seen by this thread, a little after the server granted it) and was released.
    """

    def __init__(
        self, url: str, hold_s: float, mode: str = "ROW EXCLUSIVE", table: str = TABLE
    ) -> None:
        super().__init__(name="bench-blocker", daemon=True)
        if mode not in LOCK_MODES:
            raise ValueError(f"lock mode {mode!r} is not one of {LOCK_MODES}")
        self.url = url
        self.hold_s = hold_s
        self.mode = mode
        self.table = table
        self.acquired = threading.Event()
        self.requested_at = 0.0
        self.acquired_at = 0.0
        self.released_at = 0.0
        self.failure: BaseException | None = None

    def run(self) -> None:
        statement = sql.SQL("LOCK TABLE {} IN {} MODE").format(
            sql.Identifier(self.table), sql.SQL(self.mode)
        )
        try:
            conn: Any = connect(
                self.url,
                autocommit=False,
                options="-c idle_in_transaction_session_timeout=0",
                application_name="bench-long-transaction",
            )
            with conn:
                self.requested_at = time.monotonic()
                conn.execute(statement)
                self.acquired_at = time.monotonic()
                self.acquired.set()
                time.sleep(self.hold_s)
                conn.commit()
                self.released_at = time.monotonic()
        except BaseException as exc:
            self.failure = exc
        finally:
            self.acquired.set()

    def hold(self) -> LockHolder:
        """Start and return once the lock is held."""
        self.start()
        self.acquired.wait()
        if self.failure is not None:
            raise RuntimeError(f"the long-running transaction failed: {self.failure}")
        return self
