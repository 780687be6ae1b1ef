"""Retrying a whole step (a phase step, or one plain revision) after a lock wait.

A step runs in one transaction. When one of its statements times out on a lock —
or the executor stopped it because it would have waited while the step holds
write-blocking locks (:class:`~alembic_zdm.execution.blocking.StepRetry`) — the
step's transaction is rolled back, which releases every lock it took, and the step
runs again after a back-off. A table that made a try wait is locked *first* on the
next try, while the step holds nothing else, so that wait never keeps another
table locked. A step that already committed part of its work is not re-run
(re-running it would repeat what committed).

Usage, around the step's transaction::

    attempts = StepAttempts(ctx, settings, "expand of 0003")
    while True:
        try:
            with transaction():
                with attempts.watch():
                    attempts.lock_first()
                    run_the_step()
            return
        except Exception as exc:
            final = attempts.failed(exc)    # logs and sleeps when it will retry
            if final is not None:
                raise final from exc
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from alembic.runtime.migration import MigrationContext

from ..config import ZdmSettings
from ..dialects import DialectSupport, dialect_support
from ..errors import LockNotAcquiredError, ZdmError
from ..sql.levels import LockLevel

if TYPE_CHECKING:
    from .blocking import Waited

log = logging.getLogger("alembic.zdm.execution")

STEP_RETRY_ATTR = "_zdm_step_retry"
"""Set on the ``MigrationContext`` while a :class:`StepAttempts` runs a step: the
executor may then stop a statement with ``StepRetry`` instead of waiting."""


def support_of(ctx: MigrationContext) -> DialectSupport | None:
    """The dialect support of *ctx*, or ``None`` for a database alembic-zdm does not know."""
    try:
        return dialect_support(ctx.dialect)
    except ZdmError:
        return None


class StepAttempts:
    """The tries of one step: decides whether a failure is retried, logs it, backs off.

    :param ctx: the migration context the step runs on (online).
    :param settings: ``retries``, back-off and ``lock_timeout_ms``.
    :param label: how log lines and errors name the step.
    :param sleep: called with the back-off in seconds (tests pass a fake).
    :param support: the dialect support of *ctx*, when the caller has it already.
    """

    def __init__(
        self,
        ctx: MigrationContext,
        settings: ZdmSettings,
        label: str | Callable[[], str],
        sleep: Callable[[float], None] = time.sleep,
        support: DialectSupport | None = None,
    ) -> None:
        self.ctx = ctx
        self.settings = settings
        self._label = label
        self.sleep = sleep
        self.attempt = 1
        self.started = time.monotonic()
        self.first: list[tuple[Waited, LockLevel]] = []
        self.committed = False
        self.support = support if support is not None else support_of(ctx)
        self._begun: Any = None
        self._outer = False

    @property
    def label(self) -> str:
        """How messages name the step (a callable *label* is asked on first use: a plain
        revision that never fails never builds its name)."""
        if not isinstance(self._label, str):
            self._label = self._label()
        return self._label

    @property
    def conn(self) -> Any:
        """The step's connection."""
        return self.ctx.connection

    def watch(self) -> StepAttempts:
        """``with attempts.watch():`` around the step's work, inside its transaction: notes
        whether it committed (a plain class, not a generator: it is entered once per plain
        revision of every ``upgrade``)."""
        return self

    def __enter__(self) -> None:
        self._begun = self.conn.get_transaction()
        self.committed = False
        self._outer = getattr(self.ctx, STEP_RETRY_ATTR, False)
        setattr(self.ctx, STEP_RETRY_ATTR, True)

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is not None:
            self.committed = self.conn.get_transaction() is not self._begun
        setattr(self.ctx, STEP_RETRY_ATTR, self._outer)

    def lock_first(self) -> None:
        """Take, before anything else, the locks that made an earlier try of the step wait."""
        for waited, lock in self.first:
            from ..sql.statement import Statement
            from .executor import execute_statement

            sql = (
                self.support.lock_table_sql(waited.table, waited.schema, lock, nowait=False)
                if self.support
                else None
            )
            if sql is None:
                continue
            execute_statement(
                self.ctx,
                Statement(
                    sql,
                    lock=lock,
                    table=waited.table,
                    schema=waited.schema,
                    description=f"Lock {waited.name!r} first (an earlier try of the step waited for it)",
                ),
                settings=self.settings,
            )

    def failed(self, exc: BaseException) -> BaseException | None:
        """After the step's transaction was rolled back: ``None`` to run it again, else the error.

        Lock timeouts and :class:`StepRetry` are retried (with back-off) while tries
        are left and the step committed nothing; other errors come back unchanged.
        """
        from .blocking import StepRetry  # (a step that never waited never loads it)

        retry = exc if isinstance(exc, StepRetry) else None
        if retry is None and not self._lock_timeout(exc):
            return exc
        waited = retry.waited if retry is not None else self._plain_waited(exc)
        if self.committed:
            why = "; part of the step had already committed, so it was not re-run"
            return self.final(exc, why, waited)
        if self.attempt >= max(1, self.settings.retries):
            return self.final(exc, "", waited)
        if retry is not None and all(w.table != retry.waited.table for w, _ in self.first):
            self.first.append((retry.waited, retry.lock))
        from .policy import backoff_ms

        delay = backoff_ms(self.attempt, self.settings)
        where = waited.describe() if waited else "a lock"
        holding = f" while holding write-blocking locks on {', '.join(retry.held)}" if retry else ""
        message = (
            f"{self.label} waited for {where}{holding}; rolled back (every lock released), "
            f"retrying in {delay / 1000:.1f} s (attempt {self.attempt + 1} of {self.settings.retries})"
        )
        warn(message)
        self.sleep(delay / 1000)
        self.attempt += 1
        return None

    def _lock_timeout(self, exc: BaseException) -> bool:
        if isinstance(exc, ZdmError) or self.support is None or not self.ctx.impl.transactional_ddl:
            return False
        return self.support.is_lock_timeout(exc)

    def _plain_waited(self, exc: BaseException) -> Waited | None:
        from .blocking import plain_statement_blockers, statement_text

        sql = statement_text(exc)
        if not sql or self.support is None:
            return None
        try:
            waited, _ = plain_statement_blockers(self.support, self.conn, sql)
        except Exception:  # a failed look-up must not hide the lock timeout
            return None
        return waited

    def final(self, exc: BaseException, why: str, waited: Waited | None = None) -> BaseException:
        """The error that ends the step: *exc*'s lock failure with its blockers, and *why*."""
        from .blocking import plain_lock_error, statement_text

        if waited is None and not isinstance(exc, LockNotAcquiredError):
            waited = self._plain_waited(exc)
        elapsed = time.monotonic() - self.started
        if isinstance(exc, LockNotAcquiredError):
            tries = f"{self.attempt} tr{'ies' if self.attempt != 1 else 'y'} of the step"
            return LockNotAcquiredError(
                f"{str(exc).rstrip('.')} ({tries}{why}).", blockers=exc.blockers
            )
        error = plain_lock_error(
            statement_text(exc) or self.label,
            waited,
            self.attempt,
            elapsed,
            self.settings.lock_timeout_ms,
            exc,
        )
        if why:
            return LockNotAcquiredError(str(error).rstrip(".") + why + ".", blockers=error.blockers)
        return error


def warn(text: str) -> None:
    """Log *text* and print it where the user sees it (stderr), as the phase runner does."""
    import sys

    log.warning(text)
    print(f"alembic-zdm: warning: {text}", file=sys.stderr)
