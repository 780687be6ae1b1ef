"""The guard of plain revisions that ``alembic upgrade`` runs by Alembic's own path.

With the plugin installed, every statement of a plain revision runs under the lock
timeout with retries (DESIGN §13, ``guard_plain_revisions``; what each database gets
is in :mod:`~alembic_zdm.execution.guard`). This module wraps Alembic's steps and keeps
what that costs to what the guarantee needs (``make bench``: ``upgrade head`` over 200
plain revisions within 5 % of stock Alembic):

* **the lock timeout once, not once per revision.** PostgreSQL: ``SET LOCAL`` once per
  transaction (all revisions share one unless ``transaction_per_migration=True``);
  with a transaction per revision, on a direct connection, one session ``SET`` for the
  run, put back at its end (after a failure, once Alembic has rolled back). Through a
  pooler in transaction mode a session ``SET`` could land on another server session, so
  there (or when that cannot be told) every transaction gets its ``SET LOCAL``.
* **no savepoint per revision.** With ``transaction_per_migration=True`` a revision
  that timed out on a lock is retried by rolling back its whole transaction (every lock
  it took goes with it); the first revision, whose transaction also holds Alembic's
  version-table work, is retried inside a savepoint. When all revisions share one
  transaction (Alembic's default), a lock timeout rolls that whole transaction back and
  the run starts again from the version table (:class:`RunRetry`): nothing is held while
  it waits, and no revision pays a ``SAVEPOINT`` round trip. Only where that cannot be
  done — a transaction ``env.py`` began itself, or one a revision's own ``COMMIT`` left
  behind — does each revision run inside a savepoint.
* **nothing per revision that a plain run does not need**: no extra query, and the
  modules of the phase runner, the ops and the linter stay unimported.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from alembic.runtime.migration import MigrationContext

from ..config import ZdmSettings
from ..dialects import DialectSupport
from ..errors import LockNotAcquiredError
from .guard import StatementGuard, session_lock_timeout, transaction_guard
from .retry import StepAttempts, support_of, warn

GUARD_ATTR = "_zdm_plain_guard"
"""Attribute of the ``MigrationContext`` holding its :class:`PlainRevisionGuard`."""
RUN_RETRY_ATTR = "_zdm_run_retry"
"""Set on a ``MigrationContext`` whose ``run_migrations()`` runs again after a
:class:`RunRetry` (:class:`~alembic_zdm.phases.environment.SingleRunner` does)."""


class RunRetry(Exception):
    """A plain revision of a run whose revisions share one transaction (Alembic's default,
    no ``transaction_per_migration``) timed out on a lock: the runner environment rolls
    the whole transaction back — every lock the run took goes with it — and runs the
    revisions again after a back-off. No savepoint per revision is needed for that.

    :param error: the lock timeout.
    :param label: how messages name the revision (a callable is asked when needed).
    :param support: the dialect support of the run.
    """

    def __init__(
        self, error: BaseException, label: str | Callable[[], str], support: DialectSupport
    ) -> None:
        super().__init__(str(error))
        self.error = error
        self.label = label
        self.support = support


class PlainRevisionGuard:
    """Wraps the ``migration_fn`` of Alembic's own steps (see the module docstring)."""

    def __init__(
        self, ctx: MigrationContext, settings: ZdmSettings, support: DialectSupport, total: int
    ) -> None:
        self.ctx = ctx
        self.settings = settings
        self.support = support
        self.remaining = total
        self.transactional = bool(ctx.impl.transactional_ddl and support.transactional_ddl)
        self.user_timeout: bool | None = None
        self.saved: dict[str, str] = {}
        """The session's timeouts before the run (put back after a session ``SET``)."""
        self.session_timeout = False
        """The lock timeout is one session ``SET`` for the run (else ``SET LOCAL``)."""
        self._session: contextlib.ExitStack | None = None
        self._statements: StatementGuard | None = None
        self._timed: Any = None
        """The transaction the lock timeout was set in (``None``: not set)."""
        conn: Any = ctx.connection
        self._earlier: Any = conn.get_transaction()
        """The transaction open before the step at hand began: whatever ran in it
        (Alembic's version table, earlier revisions) is not the step's to roll back."""

    def wrap(self, step: Any) -> None:
        """Replace *step*'s ``migration_fn`` by the guarded one."""
        fn = step.migration_fn
        revision = step.revision

        def guarded(**kw: Any) -> None:
            try:
                self._run(revision, fn, kw)
            except BaseException:
                self._end(failed=True)
                raise
            self.remaining -= 1
            if self.remaining <= 0:
                self._end(failed=False)

        guarded.__name__ = fn.__name__  # Alembic logs "Running upgrade …" by its name
        step.migration_fn = guarded

    # -- the run's start and end ------------------------------------------------

    def _start(self) -> StatementGuard:
        if self._statements is not None:
            return self._statements
        ctx: Any = self.ctx
        conn: Any = ctx.connection
        self.saved = self.support.read_timeouts(conn)
        self.user_timeout = self.support.has_own_lock_timeout(conn, self.saved)
        if not self.transactional and not self.user_timeout:
            self._session = contextlib.ExitStack()
            self._session.enter_context(
                session_lock_timeout(self.ctx, self.support, self.settings.lock_timeout_ms)
            )
        self.session_timeout = bool(
            self.transactional
            and not self.user_timeout
            and ctx._transaction_per_migration
            and not ctx._in_external_transaction
            and self.support.session_settings_stick(conn)
        )
        if self.session_timeout:
            setattr(ctx, GUARD_ATTR, self)
        self._statements = StatementGuard(
            self.ctx,
            self.settings,
            self.support,
            retry=True,
            keep_lock_timeout=bool(self.user_timeout),
        )
        return self._statements

    def _end(self, failed: bool) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            session.close()
        if self.session_timeout and self._timed is not None and not failed:
            self._restore()  # in the last revision's transaction, which commits it

    def _restore(self) -> None:
        conn: Any = self.ctx.connection
        self._timed = None
        self.support.restore_timeouts(conn, self.saved, local=False)

    def after_run(self) -> None:
        """After a failed run (Alembic rolled the revision back): the session's own lock
        timeout again, committed on its own. Called by the runner environment."""
        ctx: Any = self.ctx
        setattr(ctx, GUARD_ATTR, None)
        if not self.session_timeout or self._timed is None:
            return
        conn: Any = ctx.connection
        if conn is None or conn.closed:
            return
        if conn.in_transaction():
            warn(
                "the migration connection is still in a transaction after the failed run, so "
                f"its session keeps lock_timeout = {self.settings.lock_timeout_ms} ms until "
                "it is closed"
            )
            return
        self._restore()
        conn.commit()

    # -- one revision -----------------------------------------------------------

    def _run(self, revision: Any, fn: Callable[..., None], kw: dict[str, Any]) -> None:
        statements = self._start()
        if not self.transactional:
            with statements.installed():
                fn(**kw)
            return
        conn: Any = self.ctx.connection
        try:
            self._run_transactional(lambda: _label(revision), fn, kw, statements)
        finally:
            self._earlier = conn.get_transaction()

    def _own_transaction(self) -> Any:
        """The step's transaction when it holds nothing but this revision, else ``None``.

        That is the case with ``transaction_per_migration=True``: Alembic began the
        transaction for this step alone. A transaction that was open before the step
        (the first step's, which also created the version table; one a revision's own
        ``COMMIT`` left behind; env.py's) is not.
        """
        ctx: Any = self.ctx
        conn: Any = ctx.connection
        trans = ctx._transaction
        if (
            not ctx._transaction_per_migration
            or ctx._in_external_transaction
            or trans is None
            or trans is self._earlier
            or conn.get_transaction() is not trans
            or conn.get_nested_transaction() is not None
        ):
            return None
        return trans

    def _shared_transaction(self) -> bool:
        """The revision runs in the one transaction of the whole run, which the runner
        environment may roll back and run again (:class:`RunRetry`)."""
        ctx: Any = self.ctx
        conn: Any = ctx.connection
        trans = ctx._transaction
        return bool(
            getattr(ctx, RUN_RETRY_ATTR, False)
            and not ctx._transaction_per_migration
            and not ctx._in_external_transaction
            and trans is not None
            and trans.is_active
            and conn.get_transaction() is trans
            and conn.get_nested_transaction() is None
        )

    def _set_lock_timeout(self) -> list[str]:
        """Set the lock timeout unless it is in effect; the statements that set it again
        after an ``autocommit_block()`` (which ends a ``SET LOCAL``'s transaction)."""
        if self.user_timeout:
            return []
        conn: Any = self.ctx.connection
        local = not self.session_timeout
        current = conn.get_transaction()
        if self._timed is None or (local and current is not self._timed):
            for sql in self.support.timeout_statements(
                self.settings.lock_timeout_ms, None, local=local
            ):
                conn.exec_driver_sql(sql)
            self._timed = conn.get_transaction()
        if not local:
            return []
        return self.support.timeout_statements(self.settings.lock_timeout_ms, None, local=True)

    def _run_transactional(
        self,
        label: Callable[[], str],
        fn: Callable[..., None],
        kw: dict[str, Any],
        statements: StatementGuard,
    ) -> None:
        attempts = StepAttempts(self.ctx, self.settings, label, support=self.support)
        conn: Any = self.ctx.connection
        while True:
            own = self._own_transaction()
            shared = own is None and self._shared_transaction()
            guard = self._set_lock_timeout()
            savepoint = (
                conn.begin_nested()
                if own is None and not shared and conn.in_transaction()
                else None
            )
            try:
                if guard:
                    with transaction_guard(self.ctx, guard, now=False):
                        self._attempt(fn, kw, statements, attempts)
                else:
                    self._attempt(fn, kw, statements, attempts)
            except Exception as exc:
                if shared and not attempts.committed and self._lock_wait(exc):
                    raise RunRetry(exc, label, self.support) from exc
                if savepoint is not None and savepoint.is_active:
                    savepoint.rollback()
                elif own is not None and not attempts.committed and own.is_active:
                    own.rollback()  # every lock the revision took goes with it
                    if self._timed is own:
                        self._timed = None  # a SET in it went with it too
                    self.ctx._transaction = conn.begin()
                if savepoint is None and own is None:
                    attempts.committed = True
                final = self._failed(attempts, exc, alone=own is not None)
                if final is exc:
                    raise
                if final is not None:
                    raise final from exc
                continue
            if savepoint is not None and savepoint.is_active:
                savepoint.commit()
            return

    @staticmethod
    def _attempt(
        fn: Callable[..., None],
        kw: dict[str, Any],
        statements: StatementGuard,
        attempts: StepAttempts,
    ) -> None:
        with statements.installed(), attempts.watch():
            if attempts.first:
                attempts.lock_first()
            fn(**kw)

    def _lock_wait(self, exc: BaseException) -> bool:
        return self.support.is_lock_timeout(exc) or isinstance(exc, LockNotAcquiredError)

    def _failed(
        self, attempts: StepAttempts, exc: BaseException, alone: bool
    ) -> BaseException | None:
        """Retry the revision, unless earlier revisions of the transaction hold strong locks."""
        if not self._lock_wait(exc):
            return exc
        conn: Any = self.ctx.connection
        held: list[str] = []
        if not attempts.committed and not alone:
            from .blocking import held_by_step

            held = held_by_step(self.support, conn, self.ctx, self.settings)
        if held:
            names = ", ".join(repr(h) for h in held)
            return attempts.final(
                exc,
                "; the revision was not retried because earlier revisions of the same "
                f"transaction hold write-blocking locks on {names}, and waiting would keep "
                "them locked (use transaction_per_migration=True in env.py to let each "
                "revision retry on its own)",
            )
        return attempts.failed(exc)


def _label(revision: Any) -> str:
    """How messages name a plain revision: ``Revision 0003 (add the note column)``."""
    doc = (getattr(revision, "doc", "") or "").strip().splitlines()
    return f"Revision {revision.revision}" + (f" ({doc[0]})" if doc else "")


def guard_plain_steps(ctx: MigrationContext, settings: ZdmSettings, steps: list[Any]) -> list[Any]:
    """Alembic's own *steps*, their revisions guarded (unless ``guard_plain_revisions`` is off)."""
    if ctx.as_sql or not settings.guard_plain_revisions or not steps:
        return steps
    support = support_of(ctx)
    if support is None:
        return steps
    guard = PlainRevisionGuard(ctx, settings, support, len(steps))
    for step in steps:
        guard.wrap(step)
    return steps


def after_run(ctx: MigrationContext) -> None:
    """Put back what the guard of *ctx*'s plain revisions changed for the session, if any."""
    guard: PlainRevisionGuard | None = getattr(ctx, GUARD_ATTR, None)
    if guard is not None:
        guard.after_run()
