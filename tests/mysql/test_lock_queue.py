"""The lock-queue acceptance test on MariaDB/MySQL (DESIGN §3), mirroring the PostgreSQL one.

A transaction that read the table holds its metadata lock; the online ``ALTER`` must
wait for it, and while it waits every later statement on the table queues behind it.
With a short ``lock_wait_timeout`` (whole seconds on MySQL/MariaDB, so 1 s; MariaDB also
gets ``WAIT 1`` in the DDL) the op gives up, backs off (letting the writers through) and
retries: the writers are never blocked for longer than the lock timeout + 100 ms.
"""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from alembic_zdm.errors import LockNotAcquiredError
from alembic_zdm.testing.capture import online_operations
from tests.execution.writers import Holder, Writer

pytestmark = pytest.mark.mysql
LOCK_TIMEOUT_MS = 1000


def _setup(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "CREATE TABLE orders (id bigint AUTO_INCREMENT PRIMARY KEY, amount int NOT NULL)"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO orders (amount) VALUES " + ", ".join(f"({i})" for i in range(1, 1001))
            )
        )
    engine.dispose()


def _run_op(url: str, retries: int) -> tuple[float, BaseException | None]:
    started = time.monotonic()
    try:
        with online_operations(url) as op:
            op.add_index_concurrently(
                "ix_orders_amount", "orders", ["amount"],
                lock_timeout_ms=LOCK_TIMEOUT_MS, retries=retries, retry_base_ms=100, retry_cap_ms=400,
            )  # fmt: skip
    except LockNotAcquiredError as exc:
        return time.monotonic() - started, exc
    return time.monotonic() - started, None


def _index_exists(url: str) -> bool:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        names = {i["name"] for i in sa.inspect(conn).get_indexes("orders")}
    engine.dispose()
    return "ix_orders_amount" in names


def test_op_waits_out_the_blocker_without_stalling_writers(mysql_url: str) -> None:
    _setup(mysql_url)
    writer = Writer(mysql_url, "INSERT INTO orders (amount) VALUES (1)")
    holder = Holder(mysql_url, seconds=3.5)
    writer.start()
    holder.start()
    holder.ready.wait(5)
    began = time.monotonic()
    elapsed, error = _run_op(mysql_url, retries=30)
    holder.join(10)
    writer.stop()
    print(
        f"\nmysql lock-queue (succeeds): op {elapsed:.2f} s, writer max stall "
        f"{writer.max_stall_ms:.0f} ms (lock timeout {LOCK_TIMEOUT_MS} ms)"
    )
    assert error is None
    assert elapsed > 3.0, "the op should have had to wait for the holder"
    assert writer.errors == []
    # by what writers got done, not by their worst latency (a loaded machine's commit
    # alone may take a second): without the lock timeout none would finish until the
    # holder ends; the latency numbers are in ``make bench``
    assert writer.completed_between(began + 0.2, began + 3.0) > 0
    assert _index_exists(mysql_url)


def test_op_gives_up_naming_the_blocking_session(mysql_url: str) -> None:
    _setup(mysql_url)
    writer = Writer(mysql_url, "INSERT INTO orders (amount) VALUES (1)")
    holder = Holder(mysql_url, seconds=8)
    writer.start()
    holder.start()
    holder.ready.wait(5)
    began = time.monotonic()
    elapsed, error = _run_op(mysql_url, retries=3)
    writer.stop()
    holder.join(10)
    print(
        f"\nmysql lock-queue (gives up): op {elapsed:.2f} s, writer max stall "
        f"{writer.max_stall_ms:.0f} ms (lock timeout {LOCK_TIMEOUT_MS} ms)"
    )
    assert isinstance(error, LockNotAcquiredError)
    message = str(error)
    assert message.startswith("Could not lock table 'orders' for ")
    assert "after 3 attempts" in message and f"lock timeout {LOCK_TIMEOUT_MS} ms each" in message
    assert elapsed >= 3 * LOCK_TIMEOUT_MS / 1000 - 0.1
    assert f"pid {holder.pid} (" in message
    assert writer.errors == []
    assert elapsed < holder.seconds - 2, "each try gave up after its lock timeout"
    assert writer.completed_between(began, began + elapsed) > 0
    assert not _index_exists(mysql_url)
