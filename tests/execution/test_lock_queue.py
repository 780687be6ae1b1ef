"""The lock-queue acceptance test (DESIGN §3): the app is never queued behind the
migration for the length of a blocking transaction (only for lock timeouts), and the op
either gets its lock once the blocking transaction ends or fails naming the blocking
session. Worst-latency numbers against ``lock timeout + 100 ms`` are in ``make bench``."""

from __future__ import annotations

import logging
import time

import pytest
import sqlalchemy as sa

from alembic_zdm.errors import LockNotAcquiredError
from alembic_zdm.testing.load import LockWatcher, running

from .lock_queue import behind_holder, create_orders

LOCK_TIMEOUT_MS = 200
# Writers are checked by what they got done, not by their worst latency: on a loaded
# machine a commit alone may take a second. Without the lock timeout a try would queue
# every writer until the holder ends, and none would complete meanwhile.


def _setup(url: str) -> None:
    rows = "INSERT INTO orders (amount) SELECT g FROM generate_series(1, 1000) g"
    create_orders(url, "id serial PRIMARY KEY", rows)


def _check(retries: int):
    return lambda op: op.add_check_constraint_safe(
        "ck_orders_amount", "orders", "amount > 0",
        lock_timeout_ms=LOCK_TIMEOUT_MS, retries=retries, retry_base_ms=100, retry_cap_ms=400,
    )  # fmt: skip


@pytest.mark.postgresql
def test_op_waits_out_the_blocker_without_stalling_writers(pg_url: str, sql) -> None:
    _setup(pg_url)
    run = behind_holder("lock-queue (succeeds)", pg_url, 2.5, _check(retries=30))
    assert run.error is None
    assert run.elapsed > 2.0, "the op should have had to wait for the holder"
    assert run.writer.errors == []
    assert run.writer.completed_between(run.began + 0.3, run.began + 2.0) > 0
    assert sql("SELECT convalidated FROM pg_constraint WHERE conname = 'ck_orders_amount'") == [
        (True,)
    ]


@pytest.mark.postgresql
def test_op_gives_up_naming_the_blocking_session(pg_url: str, sql) -> None:
    _setup(pg_url)
    run = behind_holder("lock-queue (gives up)", pg_url, 6, _check(retries=3))
    error, holder = run.error, run.holder
    assert isinstance(error, LockNotAcquiredError)
    message = str(error)
    assert message.startswith("Could not lock table 'orders' for ")
    assert "after 3 attempts" in message and f"lock timeout {LOCK_TIMEOUT_MS} ms each" in message
    assert f"pid {holder.pid} (idle in transaction for " in message
    assert 'holds AccessShareLock: "SELECT count(*) FROM orders")' in message
    assert error.blockers and error.blockers[0].startswith(f"pid {holder.pid} ")
    assert run.elapsed < holder.seconds - 1, "each try gave up after its lock timeout"
    assert run.writer.errors == []
    assert run.writer.completed_between(run.began, run.began + run.elapsed) > 0
    assert sql("SELECT count(*) FROM pg_constraint WHERE conname = 'ck_orders_amount'") == [(0,)]


@pytest.mark.postgresql
def test_op_does_not_try_while_a_long_transaction_holds_the_table(
    pg_url: str, sql, caplog: pytest.LogCaptureFixture
) -> None:
    """Waiting for the holder *before* each try keeps the application out of the lock
    queue entirely: the migration never queues for the table while the holder is there.

    Checked structurally, so that load on the machine cannot fake or hide it: the
    executor logs no failed try, and a third session polling ``pg_locks`` never sees
    the migration's backend waiting for a lock on ``orders``.
    """
    caplog.set_level(logging.INFO, logger="alembic.zdm.execution")
    _setup(pg_url)
    app_url = (
        sa.make_url(pg_url)
        .update_query_dict({"application_name": "zdm_wait_first"})
        .render_as_string(hide_password=False)
    )
    watcher = LockWatcher(pg_url, "zdm_wait_first", ["orders"])

    def op(operations) -> None:
        time.sleep(LOCK_TIMEOUT_MS / 1000 + 0.1)  # the holder's transaction is now "long"
        with running(watcher):
            _check(retries=30)(operations)

    run = behind_holder("wait-first", pg_url, 2.5, op, op_url=app_url)
    holder = run.holder
    assert run.error is None
    assert run.elapsed > 1.5
    messages = [r.getMessage() for r in caplog.records if r.name == "alembic.zdm.execution"]
    assert any(f"held by pid {holder.pid} " in m for m in messages), messages
    assert not any(m.startswith("lock timeout") for m in messages), messages
    assert watcher.samples, "the watcher took no sample"
    # while the holder is there (afterwards a try may wait a moment for in-flight writes)
    assert watcher.waiting_on("orders", until=holder.releasing_at) == []
    assert run.writer.errors == []
    assert run.writer.completed_between(holder.began, holder.began + 2.0) > 0
