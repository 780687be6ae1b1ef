"""The lock-queue acceptance test (DESIGN §3): the app never waits behind the migration
for longer than the lock timeout (+100 ms), and the op either gets its lock once the
blocking transaction ends or fails naming the blocking session."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from alembic_zdm.errors import LockNotAcquiredError
from alembic_zdm.testing.capture import online_operations

from .writers import Holder, Writer

LOCK_TIMEOUT_MS = 200


def _setup(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE orders (id serial PRIMARY KEY, amount int NOT NULL)"))
        conn.execute(
            sa.text("INSERT INTO orders (amount) SELECT g FROM generate_series(1, 1000) g")
        )
    engine.dispose()


def _run_op(url: str, retries: int) -> tuple[float, BaseException | None]:
    started = time.monotonic()
    try:
        with online_operations(url) as op:
            op.add_check_constraint_safe(
                "ck_orders_amount",
                "orders",
                "amount > 0",
                lock_timeout_ms=LOCK_TIMEOUT_MS,
                retries=retries,
                retry_base_ms=100,
                retry_cap_ms=400,
            )
    except LockNotAcquiredError as exc:
        return time.monotonic() - started, exc
    return time.monotonic() - started, None


@pytest.mark.postgresql
def test_op_waits_out_the_blocker_without_stalling_writers(pg_url: str, sql) -> None:
    _setup(pg_url)
    writer = Writer(pg_url, "INSERT INTO orders (amount) VALUES (1)")
    holder = Holder(pg_url, seconds=2.5)
    writer.start()
    holder.start()
    holder.ready.wait(5)
    elapsed, error = _run_op(pg_url, retries=30)
    holder.join(10)
    writer.stop()

    print(
        f"\nlock-queue (succeeds): op {elapsed:.2f} s, writer max stall {writer.max_stall_ms:.0f} ms"
    )
    assert error is None
    assert elapsed > 2.0, "the op should have had to wait for the holder"
    assert writer.errors == []
    assert writer.max_stall_ms <= LOCK_TIMEOUT_MS + 100
    assert sql("SELECT convalidated FROM pg_constraint WHERE conname = 'ck_orders_amount'") == [
        (True,)
    ]


@pytest.mark.postgresql
def test_op_gives_up_naming_the_blocking_session(pg_url: str, sql) -> None:
    _setup(pg_url)
    writer = Writer(pg_url, "INSERT INTO orders (amount) VALUES (1)")
    holder = Holder(pg_url, seconds=6)
    writer.start()
    holder.start()
    holder.ready.wait(5)
    elapsed, error = _run_op(pg_url, retries=3)
    writer.stop()
    holder.join(10)

    print(
        f"\nlock-queue (gives up): op {elapsed:.2f} s, writer max stall {writer.max_stall_ms:.0f} ms"
    )
    assert isinstance(error, LockNotAcquiredError)
    message = str(error)
    assert message.startswith("Could not lock table 'orders' for ")
    assert "after 3 attempts" in message and f"lock timeout {LOCK_TIMEOUT_MS} ms each" in message
    assert f"pid {holder.pid} (idle in transaction for " in message
    assert 'holds AccessShareLock: "SELECT count(*) FROM orders")' in message
    assert error.blockers and error.blockers[0].startswith(f"pid {holder.pid} ")
    assert writer.errors == []
    assert writer.max_stall_ms <= LOCK_TIMEOUT_MS + 100
    assert sql("SELECT count(*) FROM pg_constraint WHERE conname = 'ck_orders_amount'") == [(0,)]


@pytest.mark.postgresql
def test_op_does_not_try_while_a_long_transaction_holds_the_table(pg_url: str, sql) -> None:
    """Waiting for the holder *before* each try keeps the application out of the lock
    queue entirely: the writer never waits behind the migration, not even one lock
    timeout."""
    _setup(pg_url)
    writer = Writer(pg_url, "INSERT INTO orders (amount) VALUES (1)")
    holder = Holder(pg_url, seconds=2.5)
    writer.start()
    holder.start()
    holder.ready.wait(5)
    time.sleep(LOCK_TIMEOUT_MS / 1000 + 0.1)  # the holder's transaction is now "long"
    elapsed, error = _run_op(pg_url, retries=30)
    holder.join(10)
    writer.stop()

    print(f"\nwait-first: op {elapsed:.2f} s, writer max stall {writer.max_stall_ms:.0f} ms")
    assert error is None
    assert elapsed > 1.5
    assert writer.errors == []
    assert writer.max_stall_ms < LOCK_TIMEOUT_MS / 2
