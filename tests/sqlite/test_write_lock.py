"""SQLite: the migration takes the write lock when its transaction begins.

A writer that holds the write lock for a moment (an application transaction) must
make a phase step *wait*, not fail: a deferred transaction would read first (batch
mode reflects the table, a backfill batch reads its key range), then fail at once
upgrading to the write lock, and its read lock would stall the writer's commit in
turn. With ``BEGIN IMMEDIATE`` both go through; when the lock stays taken past every
retry, the error is one sentence.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable

import alembic  # noqa: F401  (plugin first)
import pytest

from alembic_zdm.errors import LockNotAcquiredError
from alembic_zdm.ops.base import CollectingOperations
from alembic_zdm.phases.model import Phase
from tests.mysql.harness import Migration

ROWS = 300


class WriteTransaction(threading.Thread):
    """An application transaction: takes the write lock, writes, holds it, commits."""

    def __init__(self, path: str, hold_s: float) -> None:
        super().__init__(daemon=True)
        self.path, self.hold_s = path, hold_s
        self.locked = threading.Event()
        self.release = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        conn = sqlite3.connect(self.path, timeout=5, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO t (a) VALUES (-1)")
            self.locked.set()
            self.release.wait(self.hold_s)
            conn.execute("COMMIT")
        except BaseException as exc:  # recorded: the test asserts there is none
            self.error = exc
        finally:
            conn.close()


def _database(url: str) -> tuple[Migration, str]:
    mig = Migration(url)
    mig.sql("CREATE TABLE t (id INTEGER PRIMARY KEY, a int, b int)")
    mig.sql(
        "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < :rows) "
        "INSERT INTO t (a) SELECT n FROM g",
        rows=ROWS,
    )
    return mig, url.removeprefix("sqlite:///")


def _not_null(mig: Migration) -> None:
    """``set_not_null_safe`` (its contract phase): a table rebuild in batch mode."""
    collector = CollectingOperations(mig.ctx)
    collector.set_not_null_safe("t", "a")
    mig.phase(collector.pattern_ops[0], Phase.CONTRACT)


STEPS: dict[str, Callable[[Migration], None]] = {
    "table rebuild (batch mode)": _not_null,
    "backfill batches": lambda mig: mig.expand(
        lambda op: op.backfill("t", set={"b": "a * 2"}, batch_size=50)
    ),
}


@pytest.mark.parametrize("what", sorted(STEPS))
def test_a_step_waits_for_the_writers_lock_and_neither_fails(sqlite_url: str, what: str) -> None:
    mig, path = _database(sqlite_url)
    writer = WriteTransaction(path, hold_s=0.3)
    try:
        writer.start()
        assert writer.locked.wait(5)
        STEPS[what](mig)  # starts while the writer holds the lock
        writer.join(10)
        assert writer.error is None  # its commit was not stalled by the migration
        assert mig.sql("SELECT count(*) FROM t WHERE a = -1") == [(1,)]
        if what == "backfill batches":
            assert mig.sql("SELECT count(*) FROM t WHERE b IS NOT a * 2") == [(0,)]
        else:
            assert mig.sql("SELECT \"notnull\" FROM pragma_table_info('t') WHERE name = 'a'") == [
                (1,)
            ]
    finally:
        writer.release.set()
        mig.close()


def test_a_write_lock_that_stays_taken_fails_in_one_sentence(sqlite_url: str) -> None:
    mig, path = _database(sqlite_url)
    mig.close()
    mig = Migration(sqlite_url, lock_timeout_ms=50, retries=3, retry_base_ms=10)
    writer = WriteTransaction(path, hold_s=60)
    try:
        writer.start()
        assert writer.locked.wait(5)
        with pytest.raises(LockNotAcquiredError) as caught:
            _not_null(mig)
        message = str(caught.value)
        assert message.startswith("Could not take the SQLite database's write lock")
        assert "after 3 attempts" in message and "busy timeout 50 ms each" in message
        assert message.endswith("then run the migration again.")
        writer.release.set()
        writer.join(10)
        assert writer.error is None
        # nothing changed, and the connection is usable: the same step now goes through
        assert mig.sql("SELECT \"notnull\" FROM pragma_table_info('t') WHERE name = 'a'") == [(0,)]
        mig.conn.rollback()
        _not_null(mig)
        assert mig.sql("SELECT \"notnull\" FROM pragma_table_info('t') WHERE name = 'a'") == [(1,)]
    finally:
        writer.release.set()
        mig.close()
