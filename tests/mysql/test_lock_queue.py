"""The lock-queue acceptance test on MariaDB/MySQL (DESIGN §3), mirroring the PostgreSQL one.

A transaction that read the table holds its metadata lock; the online ``ALTER`` must
wait for it, and while it waits every later statement on the table queues behind it.
With a short ``lock_wait_timeout`` (whole seconds on MySQL/MariaDB, so 1 s; MariaDB also
gets ``WAIT 1`` in the DDL) the op gives up, backs off (letting the writers through) and
retries: the writers are never blocked for longer than the lock timeout + 100 ms.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from alembic_zdm.errors import LockNotAcquiredError
from tests.execution.lock_queue import behind_holder, create_orders

pytestmark = pytest.mark.mysql
LOCK_TIMEOUT_MS = 1000


def _setup(url: str) -> None:
    rows = "INSERT INTO orders (amount) VALUES " + ", ".join(f"({i})" for i in range(1, 1001))
    create_orders(url, "id bigint AUTO_INCREMENT PRIMARY KEY", rows)


def _index(retries: int):
    return lambda op: op.add_index_concurrently(
        "ix_orders_amount", "orders", ["amount"],
        lock_timeout_ms=LOCK_TIMEOUT_MS, retries=retries, retry_base_ms=100, retry_cap_ms=400,
    )  # fmt: skip


def _index_exists(url: str) -> bool:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        names = {i["name"] for i in sa.inspect(conn).get_indexes("orders")}
    engine.dispose()
    return "ix_orders_amount" in names


def test_op_waits_out_the_blocker_without_stalling_writers(mysql_url: str) -> None:
    _setup(mysql_url)
    run = behind_holder("mysql lock-queue (succeeds)", mysql_url, 3.5, _index(retries=30))
    assert run.error is None
    assert run.elapsed > 3.0, "the op should have had to wait for the holder"
    assert run.writer.errors == []
    # by what writers got done, not by their worst latency (a loaded machine's commit
    # alone may take a second): without the lock timeout none would finish until the
    # holder ends; the latency numbers are in ``make bench``
    assert run.writer.completed_between(run.began + 0.2, run.began + 3.0) > 0
    assert _index_exists(mysql_url)


def test_op_gives_up_naming_the_blocking_session(mysql_url: str) -> None:
    _setup(mysql_url)
    run = behind_holder("mysql lock-queue (gives up)", mysql_url, 8, _index(retries=3))
    assert isinstance(run.error, LockNotAcquiredError)
    message = str(run.error)
    assert message.startswith("Could not lock table 'orders' for ")
    assert "after 3 attempts" in message and f"lock timeout {LOCK_TIMEOUT_MS} ms each" in message
    assert run.elapsed >= 3 * LOCK_TIMEOUT_MS / 1000 - 0.1
    assert f"pid {run.holder.pid} (" in message
    assert run.writer.errors == []
    assert run.elapsed < run.holder.seconds - 2, "each try gave up after its lock timeout"
    assert run.writer.completed_between(run.began, run.began + run.elapsed) > 0
    assert not _index_exists(mysql_url)
