"""The one executor: runs a plan online, or renders it for ``--sql`` (STYLE habit 4).

Transactions, online:

* A statement with ``autocommit`` (``CONCURRENTLY``) or ``own_transaction``
  (``VALIDATE``) runs inside Alembic's ``autocommit_block()``: the work before it is
  committed, consecutive such statements share one block. An ``own_transaction``
  statement gets ``BEGIN`` … ``COMMIT`` of its own inside the block.
* Any other statement runs in the transaction already open, inside a ``SAVEPOINT``
  per try, so a lock timeout rolls back only that try and the outer transaction
  survives; with no transaction open it gets one of its own.

Timeouts are ``SET LOCAL`` inside the statement's transaction (or savepoint), which
also works behind PgBouncer in transaction mode; afterwards the previous values are
put back. An ``autocommit`` statement has no transaction, so it uses a session
``SET`` and restores the previous values right after. A try that ends in a lock
timeout (or deadlock) is retried with back-off; the final error names the sessions
that held the table.
"""

from __future__ import annotations

import contextlib
import logging
import random
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection

from ..config import ZdmSettings, settings_for_context
from ..dialects import DialectSupport, dialect_support
from ..dialects.records import Blocker
from ..errors import (
    DataIntegrityError,
    LockNotAcquiredError,
    SchemaObjectError,
    ZdmError,
)
from ..sql.statement import LockLevel, Plan, Statement
from .blocking import (
    StepRetry,
    Waited,
    blockers_by_table,
    held_by_step,
    statement_tables,
    waited_for,
)
from .offline import OfflineWriter, statement_groups
from .policy import TimeoutPolicy, backoff_ms, policy_for

log = logging.getLogger("alembic.zdm.execution")

Target = Operations | MigrationContext


def migration_context(target: Target) -> MigrationContext:
    """The ``MigrationContext`` of *target* (an ``Operations`` or a context)."""
    if isinstance(target, Operations):
        return target.get_context()
    return target


def execute_plan(
    target: Target,
    plan: Plan,
    *,
    settings: ZdmSettings | None = None,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> None:
    """Run every statement of *plan* in order, under the lock policy of its class.

    :param target: the ``op`` proxy's ``Operations`` (or the ``MigrationContext``).
    :param plan: the statements; see :class:`~alembic_zdm.sql.statement.Statement`.
    :param settings: effective settings (default: :func:`settings_for_context`).
    :param sleep: called with seconds between retries (tests pass a fake).
    :param rng: the source of back-off jitter.
    :raises LockNotAcquiredError: a statement's lock could not be taken in any try.
    :raises ZdmError: a database error the user can fix (translated by the dialect).
    """
    ctx = migration_context(target)
    settings = settings or settings_for_context(ctx)
    support = dialect_support(ctx.dialect)
    if ctx.as_sql:
        OfflineWriter(ctx, support, settings).run_plan(plan)
    else:
        _Online(ctx, support, settings, sleep, rng).run_plan(plan)


def execute_statement(
    target: Target, statement: Statement, *, settings: ZdmSettings | None = None
) -> list[Any]:
    """Run one statement like :func:`execute_plan` and return its rows (``[]`` offline)."""
    ctx = migration_context(target)
    settings = settings or settings_for_context(ctx)
    support = dialect_support(ctx.dialect)
    if ctx.as_sql:
        OfflineWriter(ctx, support, settings).run_plan([statement])
        return []
    return _Online(ctx, support, settings, time.sleep, None).run_plan([statement])


class _Online:
    """Runs the plan on the context's connection."""

    def __init__(
        self,
        ctx: MigrationContext,
        support: DialectSupport,
        settings: ZdmSettings,
        sleep: Callable[[float], None],
        rng: random.Random | None,
    ) -> None:
        self.ctx = ctx
        self.support = support
        self.settings = settings
        self.sleep = sleep
        self.rng = rng

    @property
    def conn(self) -> Connection:
        conn = self.ctx.connection
        assert conn is not None
        return conn

    def run_plan(self, plan: Plan) -> list[Any]:
        self.support.require_supported_version()
        if not getattr(self.ctx, "_zdm_connection_checked", False):
            self.ctx._zdm_connection_checked = True  # type: ignore[attr-defined]
            self.support.check_connection(self.conn)
        rows: list[Any] = []
        with self.support.write_transactions(self.conn, self.settings):
            for isolated, group in statement_groups(plan):
                with self._block(group) if isolated else contextlib.nullcontext():
                    for statement in group:
                        rows = self.run(statement)
        return rows

    @contextlib.contextmanager
    def _block(self, group: Sequence[Statement]) -> Iterator[None]:
        """Alembic's ``autocommit_block()``, made safe for an auto-begun transaction."""
        if getattr(self.ctx, "_in_external_transaction", False):
            if any(s.autocommit for s in group):
                raise ZdmError(
                    f"{group[0].description or group[0].sql} must run outside a transaction, "
                    "but the connection was handed to Alembic inside one; configure the "
                    "migration context with a connection that is not in a transaction."
                )
            yield
            return
        if self.ctx._transaction is None and self.conn.in_transaction():
            self.conn.commit()
        with self.ctx.autocommit_block():
            yield

    def run(self, statement: Statement) -> list[Any]:
        """Run *statement* with its retries, through the step's progress record."""
        from ..phases.progress import already_there, current_progress

        progress = current_progress()
        if progress is None or statement.fail_if_rows:
            return self._run(statement)
        sql = statement.sql if statement.batch is None else statement.batch.describe()
        rows = progress.run(
            sql,
            statement.params or None,
            statement.description,
            lambda: self._run(statement),
            lambda exc: already_there(self.ctx.dialect.name, exc),
        )
        return rows or []

    def _run(self, statement: Statement) -> list[Any]:
        """Run *statement* with its retries; return its rows.

        While the transaction already holds write-blocking locks, a try never waits:
        the statement's locks are probed with ``NOWAIT`` first, and a lock that is not
        free at once (or a long holder) raises :class:`StepRetry` for the step's
        runner to roll back and retry the whole step.
        """
        conn = self.conn
        if statement.done_check and self.support.fetch(
            conn, statement.done_check, statement.done_params
        ):
            log.info("Skipping (already done): %s", statement.description or statement.sql)
            return []
        if statement.builds_index:
            self._drop_invalid(statement)
        policy = policy_for(self.settings, statement.timeout_class)
        if statement.lock.blocks_writes and statement.table:
            self._report_long_holders(statement, policy)
        held = self._held(statement)
        started = time.monotonic()
        blockers: list[Blocker] = []
        for attempt in range(1, policy.attempts + 1):
            if attempt < policy.attempts or held:
                waiting_for = self._long_holders(statement, policy)
                if waiting_for:
                    if held:
                        raise self._step_retry(statement, held)
                    blockers = waiting_for
                    self._wait(statement, policy, attempt, "held by " + waiting_for[0].describe())
                    continue
            try:
                rows = self._try(statement, policy, probe=held)
            except Exception as exc:
                if statement.builds_index:
                    self._drop_invalid(statement)
                if not self.support.is_lock_timeout(exc):
                    translated = self.support.translate_error(exc, statement)
                    if translated is None:
                        raise
                    raise translated from exc
                if held:
                    raise self._step_retry(statement, held) from exc
                waited = self._waited(statement)
                blockers = list(waited.blockers) if waited and waited.blockers else blockers
                if attempt == policy.attempts:
                    raise _lock_error(
                        statement, policy, attempt, started, blockers, waited
                    ) from exc
                self._wait(statement, policy, attempt, "lock timeout", waited)
                continue
            _check_guard(statement, rows)
            return rows
        raise AssertionError("unreachable")

    def _held(self, statement: Statement) -> list[str]:
        """Tables the open transaction holds write-blocking locks on, if *statement* joins it.

        Only inside a step whose runner retries whole steps (a phase step, a guarded
        plain revision): elsewhere nobody could roll the transaction back and retry,
        and the statement is retried on its own as before.
        """
        conn = self.conn
        if (
            not getattr(self.ctx, "_zdm_step_retry", False)  # no step runner to retry the step
            or statement.lock is LockLevel.NONE
            or statement.autocommit
            or statement.own_transaction
            or not self.support.transactional_ddl
            or not conn.in_transaction()
            or conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
        ):
            return []
        return held_by_step(self.support, conn, self.ctx, self.settings)

    def _waited(self, statement: Statement) -> Waited | None:
        return waited_for(blockers_by_table(self.support, self.conn, statement_tables(statement)))

    def _step_retry(self, statement: Statement, held: Sequence[str]) -> StepRetry:
        waited = self._waited(statement) or Waited(statement.table or "?", statement.schema, ())
        lock = next(
            (lk for t, _, lk in statement_tables(statement) if t == waited.table), statement.lock
        )
        log.info(
            "%s would wait for %s while holding write-blocking locks on %s: stopping the step",
            statement.description or statement.sql,
            waited.describe(),
            ", ".join(held),
        )
        return StepRetry(statement.description or statement.sql, waited, lock, held)

    def _try(
        self, statement: Statement, policy: TimeoutPolicy, probe: Sequence[str] = ()
    ) -> list[Any]:
        if not statement.session:
            return self._try_plain(statement, policy, probe)
        before, after = self.support.session_statements(statement.session)
        for sql in before:
            _execute_sql(self.conn, sql)
        try:
            return self._try_plain(statement, policy, probe)
        finally:
            for sql in after:
                _execute_sql(self.conn, sql)

    def _try_plain(
        self, statement: Statement, policy: TimeoutPolicy, probe: Sequence[str]
    ) -> list[Any]:
        conn = self.conn
        autocommit_conn = conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
        if (
            statement.autocommit
            or (autocommit_conn and not policy.sets_anything)
            or not self.support.transactional_ddl
        ):
            return self._session_scoped(statement, policy)
        if autocommit_conn:
            return self._explicit_transaction(statement, policy)
        if conn.in_transaction():
            return self._savepoint(statement, policy, probe)
        with conn.begin():
            self._set_local(policy)
            return self._execute(statement)

    def _execute(self, statement: Statement) -> list[Any]:
        if statement.batch is not None:
            self.support.run_batch(Operations(self.ctx), statement.batch)
            return []
        return _execute(self.conn, statement)

    def _set_local(self, policy: TimeoutPolicy) -> None:
        for sql in self.support.timeout_statements(
            policy.lock_timeout_ms, policy.statement_timeout_ms, local=True
        ):
            _execute_sql(self.conn, sql)

    def _savepoint(
        self, statement: Statement, policy: TimeoutPolicy, probe: Sequence[str]
    ) -> list[Any]:
        conn = self.conn
        saved = self.support.read_timeouts(conn) if policy.sets_anything else None
        savepoint = conn.begin_nested()
        try:
            self._set_local(policy)
            self._probe(statement, probe)
            rows = self._execute(statement)
        except BaseException:
            savepoint.rollback()
            raise
        savepoint.commit()
        if saved is not None:
            self.support.restore_timeouts(conn, saved, local=True)
        return rows

    def _probe(self, statement: Statement, held: Sequence[str]) -> None:
        """While the transaction holds *held*: take the statement's locks on *other* tables
        with ``NOWAIT`` (fail at once rather than wait with *held* locked). A table already
        in *held* only has its lock raised; writers wait for it already, and the try's
        lock timeout bounds the wait for its readers."""
        if not held:
            return
        for table, schema, lock in statement_tables(statement):
            if self.support.quoter.table(table, schema) in held:
                continue
            sql = self.support.lock_table_sql(table, schema, lock, nowait=True)
            if sql:
                _execute_sql(self.conn, sql)

    def _explicit_transaction(self, statement: Statement, policy: TimeoutPolicy) -> list[Any]:
        conn = self.conn
        _execute_sql(conn, "BEGIN")
        try:
            self._set_local(policy)
            rows = self._execute(statement)
        except BaseException:
            _execute_sql(conn, "ROLLBACK")
            raise
        _execute_sql(conn, "COMMIT")
        return rows

    def _session_scoped(self, statement: Statement, policy: TimeoutPolicy) -> list[Any]:
        conn = self.conn
        if not policy.sets_anything:
            return self._execute(statement)
        saved = self.support.read_timeouts(conn)
        try:
            for sql in self.support.timeout_statements(
                policy.lock_timeout_ms, policy.statement_timeout_ms, local=False
            ):
                _execute_sql(conn, sql)
            return self._execute(statement)
        finally:
            self.support.restore_timeouts(conn, saved, local=False)

    def _drop_invalid(self, statement: Statement) -> None:
        """Drop an INVALID index left by a failed concurrent build of *statement*'s index."""
        assert statement.builds_index is not None
        info = self.support.index_info(self.conn, statement.builds_index, statement.schema)
        drop = self.support.drop_invalid_index(statement.builds_index, statement.schema)
        if info is None or info.valid or drop is None:
            return
        log.warning("Dropping the INVALID index %r left by a failed build", info.name)
        self.run(drop)

    def _holders(self, statement: Statement) -> list[Blocker]:
        found = blockers_by_table(self.support, self.conn, statement_tables(statement))
        return [b for w in found for b in w.blockers]

    def _wait(
        self,
        statement: Statement,
        policy: TimeoutPolicy,
        attempt: int,
        why: str,
        waited: Waited | None = None,
    ) -> None:
        delay = backoff_ms(attempt, self.settings, self.rng)
        log.info(
            "%s on %s (try %d of %d); retrying in %.0f ms",
            why,
            waited.describe() if waited else statement.table or statement.sql,
            attempt,
            policy.attempts,
            delay,
        )
        self.sleep(delay / 1000)

    def _long_holders(self, statement: Statement, policy: TimeoutPolicy) -> list[Blocker]:
        """Sessions whose open transaction on the table would outlast the lock timeout.

        Trying a strong lock while one holds a conflicting lock only queues the
        application behind the try; waiting first keeps it out of the queue. Online,
        on databases whose lock look-up is per table, for write-blocking statements.
        """
        limit = policy.lock_timeout_ms
        if (
            not self.support.precise_lock_holders
            or not statement.lock.blocks_writes
            or not statement.table
            or not limit
        ):
            return []
        return [b for b in self._holders(statement) if b.granted and b.seconds * 1000 > limit]

    def _report_long_holders(self, statement: Statement, policy: TimeoutPolicy) -> None:
        limit = (policy.lock_timeout_ms or 0) / 1000
        long_ones = [b for b in self._holders(statement) if b.granted and b.seconds > limit]
        if long_ones:
            log.warning(
                "Before locking %s: %s; the statement may have to wait and retry.",
                statement.table,
                "; ".join(b.describe() for b in long_ones),
            )


def _execute_sql(conn: Connection, sql: str) -> None:
    conn.exec_driver_sql(sql, execution_options={"no_parameters": True})


def _execute(conn: Connection, statement: Statement) -> list[Any]:
    if statement.params:
        result = conn.execute(text(statement.sql), statement.params)
    else:
        result = conn.exec_driver_sql(statement.sql, execution_options={"no_parameters": True})
    return list(result) if result.returns_rows else []


def _check_guard(statement: Statement, rows: Sequence[Any]) -> None:
    """Raise the guard's sentence when its query found rows (see ``Statement.fail_if_rows``)."""
    if not statement.fail_if_rows or not rows:
        return
    first = rows[0][0] if len(rows[0]) else None
    data = statement.fail_kind != "schema"
    count = f" ({first} offending rows)" if data and isinstance(first, int) and first > 0 else ""
    message = statement.fail_if_rows.rstrip(".") + count + "."
    if statement.fail_kind == "schema":
        raise SchemaObjectError(message)
    raise DataIntegrityError(message)


def _lock_error(
    statement: Statement,
    policy: TimeoutPolicy,
    attempts: int,
    started: float,
    blockers: Sequence[Blocker],
    waited: Waited | None = None,
) -> LockNotAcquiredError:
    table: str | None = statement.table
    if waited is not None and waited.blockers:
        table = waited.name
    elif statement.schema:
        table = f"{statement.schema}.{statement.table}"
    what = statement.description or statement.sql
    elapsed = time.monotonic() - started
    if blockers:
        who = "blocking sessions: " + "; ".join(b.describe() for b in blockers[:5])
    else:
        who = "no blocking session was left when looked up"
    return LockNotAcquiredError(
        f"Could not lock table {table!r} for {what!r} after {attempts} attempts over "
        f"{elapsed:.1f} s (lock timeout {policy.lock_timeout_ms} ms each) — {who}; "
        "end or wait for those sessions, or raise retries / lock_timeout_ms, then run "
        "the migration again.",
        blockers=[b.describe() for b in blockers],
    )
