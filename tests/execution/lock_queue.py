"""The lock-queue scenario (DESIGN §3) shared by the PostgreSQL and MariaDB tests.

A writer inserts into ``orders`` throughout; a :class:`~alembic_zdm.testing.load.LockHolder`
sits idle in a transaction that read ``orders``; the op under test runs meanwhile.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from alembic_zdm.errors import LockNotAcquiredError
from alembic_zdm.testing.capture import online_operations
from alembic_zdm.testing.load import LockHolder, StatementWriter, running

INSERT = "INSERT INTO orders (amount) VALUES (1)"


def create_orders(url: str, key: str, rows: str) -> None:
    """``orders (<key>, amount int NOT NULL)`` and 1,000 rows inserted by *rows*."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE TABLE orders ({key}, amount int NOT NULL)"))
        conn.execute(sa.text(rows))
    engine.dispose()


@dataclasses.dataclass
class QueueRun:
    """What happened: how long the op took, its error, and the two threads."""

    elapsed: float
    error: LockNotAcquiredError | None
    writer: StatementWriter
    holder: LockHolder
    began: float
    """When the op started (``time.monotonic()``)."""


def behind_holder(
    label: str,
    url: str,
    holder_seconds: float,
    op: Callable[[Any], None],
    op_url: str | None = None,
) -> QueueRun:
    """Run *op* (given the ``op`` proxy, on *op_url* or *url*) behind a holder of
    *holder_seconds*, with the writer running from before the holder to the end; print
    how long the op took and the writer's worst stall under *label* (``pytest -s``)."""
    writer = StatementWriter(url, INSERT)
    holder = LockHolder(url, seconds=holder_seconds)
    error: LockNotAcquiredError | None = None
    with running(writer):
        holder.hold()
        began = time.monotonic()
        try:
            with online_operations(op_url or url) as operations:
                op(operations)
        except LockNotAcquiredError as exc:
            error = exc
        elapsed = time.monotonic() - began
        holder.join(holder_seconds + 10)
    print(f"\n{label}: op {elapsed:.2f} s, writer max stall {writer.max_stall_ms:.0f} ms")
    return QueueRun(elapsed, error, writer, holder, began)
