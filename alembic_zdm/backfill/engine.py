"""The batch loop: key ranges, one short transaction each, checkpoint, adaptive size.

Runs on a connection in autocommit mode (``op.backfill`` enters Alembic's
``autocommit_block()``); each batch opens its own transaction with ``BEGIN``, sets
its statement and lock timeouts, reads the range's upper key, updates the range,
saves the checkpoint **on the same connection** and commits — the batch and its
checkpoint commit together, so a run killed at any point resumes exactly after the
last committed range.
"""

from __future__ import annotations

import dataclasses
import decimal
import random
import time
from typing import Any

from .. import naming
from ..config import ZdmSettings
from ..errors import LockNotAcquiredError
from ..phases.context import CheckpointStore
from ..phases.progress import tick
from . import sql
from .dialects import BackfillDialect, for_dialect
from .progress import BackfillProgress, Listener, Reporter
from .spec import BackfillSpec, check_columns, find_key


@dataclasses.dataclass(frozen=True)
class BackfillOptions:
    """Batch sizing, pacing and timeouts of one backfill (from :class:`ZdmSettings`)."""

    batch_size: int = 1000
    min_batch: int = 100
    max_batch: int = 100_000
    target_ms: int = 200
    pause_ms: int = 0
    statement_timeout_ms: int = 30_000
    lock_timeout_ms: int = 500
    retries: int = 10
    retry_base_ms: int = 200
    retry_cap_ms: int = 10_000

    @classmethod
    def from_settings(cls, settings: ZdmSettings, batch_size: int | None = None) -> BackfillOptions:
        """Options from the settings; *batch_size* overrides the initial size."""
        return cls(
            batch_size=batch_size or settings.backfill_batch_size,
            min_batch=settings.backfill_min_batch,
            max_batch=settings.backfill_max_batch,
            target_ms=settings.backfill_target_ms,
            pause_ms=settings.backfill_pause_ms,
            statement_timeout_ms=settings.backfill_statement_timeout_ms,
            lock_timeout_ms=settings.lock_timeout_ms,
            retries=settings.retries,
            retry_base_ms=settings.retry_base_ms,
            retry_cap_ms=settings.retry_cap_ms,
        )


@dataclasses.dataclass(frozen=True)
class BackfillResult:
    """What a run did."""

    rows: int
    batches: int
    elapsed_s: float
    key: tuple[str, ...]
    resumed_from: list[Any] | None


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    return str(value)


def next_batch_size(size: int, elapsed_ms: float, options: BackfillOptions) -> int:
    """Move *size* toward the target duration: at most ×2 or ÷2 per batch, within bounds."""
    factor = options.target_ms / max(elapsed_ms, 1.0)
    factor = min(2.0, max(0.5, factor))
    return max(options.min_batch, min(options.max_batch, int(size * factor)))


class _Statements:
    """The four compiled shapes of a batch (with/without a lower and upper key)."""

    def __init__(self, spec: BackfillSpec, key: tuple[str, ...]) -> None:
        self.bound = {lo: sql.upper_bound(spec, key, has_lo=lo) for lo in (False, True)}
        self.update = {
            (lo, hi): sql.batch_update(spec, key, has_lo=lo, has_hi=hi)
            for lo in (False, True)
            for hi in (False, True)
        }


class _Run:
    """One backfill run's loop state."""

    def __init__(
        self,
        connection: Any,
        spec: BackfillSpec,
        options: BackfillOptions,
        checkpoints: CheckpointStore | None,
        on_progress: Listener | None,
        gate: Any = None,
    ) -> None:
        self.conn = connection
        self.gate = gate
        self.spec = spec
        self.options = options
        self.store = checkpoints
        self.dialect: BackfillDialect = for_dialect(connection.dialect)
        self.key = spec.key or find_key(connection, spec.table, spec.schema)
        check_columns(connection, spec.table, spec.schema, (*self.key, *spec.columns))
        self.stmts = _Statements(spec, self.key)
        self.ck_key = naming.checkpoint_key(spec.table, spec.columns)
        self.reporter = Reporter(spec.qualified, on_progress, spec.columns)
        self.size = options.batch_size
        self.rows = 0
        self.batches = 0
        self.lo: list[Any] | None = None
        self.started = time.monotonic()

    def event(self, done: bool) -> BackfillProgress:
        elapsed = time.monotonic() - self.started
        rate = self.rows / elapsed if elapsed > 0 else 0.0
        total = self.total
        eta = (max(total - self.rows, 0) / rate) if (total and rate) else None
        return BackfillProgress(
            self.spec.qualified, self.rows, self.batches, elapsed, rate, total,
            0.0 if done else eta, self.size, self.lo, done,
        )  # fmt: skip

    def batch(self) -> bool:
        """Run one range in its own transaction; return True when it was the last."""
        conn, has_lo = self.conn, self.lo is not None
        params: dict[str, Any] = sql.key_params("lo", self.lo or [])
        self.dialect.begin_batch(
            conn, self.options.statement_timeout_ms, self.options.lock_timeout_ms
        )
        try:
            hi = conn.execute(self.stmts.bound[has_lo], {**params, "skip": self.size - 1}).first()
            if hi is not None:
                params.update(sql.key_params("hi", tuple(hi)))
            result = conn.execute(self.stmts.update[(has_lo, hi is not None)], params)
            rows = max(result.rowcount or 0, 0)
            last = list(hi) if hi is not None else self.lo
            if self.store is not None:
                value = {"last": [_jsonable(v) for v in last] if last is not None else None,
                         "rows": self.rows + rows, "done": hi is None}  # fmt: skip
                self.store.save(conn, self.ck_key, value)
            tick("before")
            conn.exec_driver_sql("COMMIT")
        except BaseException:
            conn.exec_driver_sql("ROLLBACK")
            raise
        tick("after")
        self.rows += rows
        self.batches += 1
        self.lo = last
        return hi is None

    def batch_with_retries(self) -> bool:
        for attempt in range(self.options.retries):
            started = time.monotonic()
            try:
                done = self.batch()
            except Exception as exc:
                if not self.dialect.is_retryable(exc) or attempt + 1 >= self.options.retries:
                    if self.dialect.is_retryable(exc):
                        raise LockNotAcquiredError(
                            f"Backfill of {self.spec.qualified!r} gave up after {attempt + 1} "
                            f"attempts of a batch that kept timing out ({exc.__class__.__name__}); "
                            f"lower backfill_batch_size or find the blocking sessions in pg_stat_activity."
                        ) from exc
                    raise
                self.size = max(self.options.min_batch, self.size // 2)
                delay = min(self.options.retry_cap_ms, self.options.retry_base_ms * 2**attempt)
                time.sleep(delay * random.uniform(0.5, 1.0) / 1000)
                continue
            elapsed_ms = (time.monotonic() - started) * 1000
            self.size = next_batch_size(self.size, elapsed_ms, self.options)
            return done
        raise AssertionError("unreachable")  # pragma: no cover

    def run(self) -> BackfillResult:
        state = self.store.load(self.conn, self.ck_key) if self.store is not None else None
        resumed: list[Any] | None = None
        if isinstance(state, dict):
            if state.get("done"):
                self.rows = int(state.get("rows", 0))
                self.reporter.finish(self.event(done=True))
                return BackfillResult(self.rows, 0, 0.0, self.key, state.get("last"))
            resumed = self.lo = state.get("last")
            self.rows = int(state.get("rows", 0))
        self.total = self.dialect.row_estimate(self.conn, self.spec)
        try:
            while not self.batch_with_retries():
                self.reporter.emit(self.event(done=False))
                if self.options.pause_ms:
                    time.sleep(self.options.pause_ms / 1000)
                self.wait_until_healthy()
        except BaseException:
            self.reporter.abort()
            raise
        self.reporter.finish(self.event(done=True))
        elapsed = time.monotonic() - self.started
        return BackfillResult(self.rows, self.batches, elapsed, self.key, resumed)

    total: int | None = None

    def wait_until_healthy(self) -> None:
        """Between batches: pause while a health check throttles; then a smaller batch."""
        if self.gate is None:
            return

        def paused(verdict: Any) -> None:
            self.reporter.emit(dataclasses.replace(self.event(done=False), paused=str(verdict)))

        where = (
            f"the next batch of the backfill of {self.spec.qualified} ({self.rows:,} rows done "
            "so far are committed; the re-run resumes after them)"
        )
        if self.gate.wait(where, on_throttle=paused):
            self.size = max(self.options.min_batch, self.size // 2)


def run_backfill(
    connection: Any,
    spec: BackfillSpec,
    options: BackfillOptions | None = None,
    checkpoints: CheckpointStore | None = None,
    on_progress: Listener | None = None,
    gate: Any = None,
) -> BackfillResult:
    """Backfill *spec* in key-range batches on an **autocommit** *connection*.

    :param connection: a SQLAlchemy connection in ``AUTOCOMMIT`` isolation (inside
        ``MigrationContext.autocommit_block()``); each batch is its own transaction.
    :param spec: what to update.
    :param options: sizing and timeouts (defaults: :class:`BackfillOptions`).
    :param checkpoints: where to keep the last key done (resume after a kill).
    :param on_progress: called with a :class:`BackfillProgress` after every batch.
    :param gate: a :class:`~alembic_zdm.health.HealthGate` asked between batches.
    """
    run = _Run(connection, spec, options or BackfillOptions(), checkpoints, on_progress, gate)
    return run.run()


def reset_checkpoint(connection: Any, spec: BackfillSpec, checkpoints: CheckpointStore) -> None:
    """Forget a backfill's checkpoint (so a re-run starts from the first key)."""
    checkpoints.save(connection, naming.checkpoint_key(spec.table, spec.columns), None)
