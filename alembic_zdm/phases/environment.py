"""The Alembic environment that ``upgrade`` and ``downgrade`` run ``env.py`` in.

It takes the single-runner lock (:mod:`alembic_zdm.phases.lock`) when ``env.py`` calls
``context.run_migrations()``, **before** Alembic reads the version table, so the heads
every run works from are read under the lock, for plain and phased revisions alike:
two ``alembic upgrade head`` at once serialize, and the second finds nothing to do.

While it waits, the migration connection holds no transaction: the transaction of
``context.begin_transaction()`` is committed before the first poll (it holds at most
what ``env.py`` ran before ``run_migrations()``) and the runner continues in a fresh
one, so the ``with`` block of ``env.py`` is unchanged. A transaction ``env.py`` began
itself — before ``context.configure()`` (an *external* one, which Alembic never
commits), or with ``connection.begin()`` — is not the runner's to end: this runner
then waits inside it, and says so.

Before the lock is released the run's own transaction is committed, so the next
runner reads what this one did. A transaction ``env.py`` began itself is committed by
``env.py``; the lock is then kept until ``env.py`` returns (an async ``env.py``:
until ``run_migrations()`` returns, inside its greenlet).
"""

from __future__ import annotations

import contextlib
import sys
from typing import TYPE_CHECKING, Any

from .lock import HELD_ATTR, RunnerLock

RUN_RETRY_ATTR = "_zdm_run_retry"
"""Mirrors :data:`alembic_zdm.execution.plain.RUN_RETRY_ATTR` (not imported: ``--sql``
and phased runs never load the guard of plain revisions)."""

if TYPE_CHECKING:
    from alembic.runtime.environment import EnvironmentContext
    from alembic.runtime.migration import MigrationContext

    from ..config import ZdmSettings


def _external(ctx: MigrationContext) -> bool:
    return bool(getattr(ctx, "_in_external_transaction", False))


def _say(text: str) -> None:
    print(f"alembic-zdm: {text}", file=sys.stderr)


def _foreign(ctx: MigrationContext) -> bool:
    """A transaction is open on the connection that ``env.py`` began itself."""
    conn: Any = ctx.connection
    return _external(ctx) or (ctx._transaction is None and bool(conn.in_transaction()))


def end_own_transaction(ctx: MigrationContext) -> None:
    """Commit the transaction of ``context.begin_transaction()``, keeping the block's shape.

    A new (lazily begun) transaction takes its place, so the ``with`` block of
    ``env.py`` still commits whatever runs after. A transaction ``env.py`` began
    itself is never touched.
    """
    if ctx.as_sql or _external(ctx):
        return
    trans = ctx._transaction
    if trans is not None and trans.is_active:
        trans.commit()
        ctx._transaction = ctx.connection.begin()  # type: ignore[union-attr]


class SingleRunner:
    """Installs itself as ``run_migrations`` of *env* and holds the runner lock around it.

    :param env: the ``EnvironmentContext`` about to run ``env.py``.
    :param settings: where ``runner_lock_wait_s`` comes from.
    """

    def __init__(self, env: EnvironmentContext, settings: ZdmSettings) -> None:
        self.env = env
        self.settings = settings
        self.locks: list[RunnerLock] = []
        """Every lock this run took (one per database ``env.py`` migrated)."""
        self._late = contextlib.ExitStack()
        self._original = env.run_migrations
        # an instance attribute: Alembic's ``context`` proxy picks it up on __enter__
        env.run_migrations = self.run_migrations  # type: ignore[method-assign]

    @property
    def waited(self) -> RunnerLock | None:
        """The lock this run had to wait for, if any."""
        return next((lock for lock in self.locks if lock.waited_s is not None), None)

    def run_migrations(self, **kw: Any) -> None:
        """``context.run_migrations()`` under the runner lock of the context's database."""
        ctx = self.env.get_context()
        if ctx.as_sql or ctx.connection is None:
            self._original(**kw)
            return
        conn: Any = ctx.connection
        lock = RunnerLock(conn, self.settings.runner_lock_wait_s)
        lock.acquire(before_wait=lambda holder: self._before_wait(ctx, holder))
        self.locks.append(lock)
        setattr(ctx, HELD_ATTR, lock)
        setattr(ctx, RUN_RETRY_ATTR, True)
        try:
            self._run_retrying(ctx, kw)
            end_own_transaction(ctx)
        finally:
            from ..execution.plain import after_run

            after_run(ctx)  # the session's own lock timeout back after a failed plain run
            late = _foreign(ctx) and not conn.dialect.is_async
            setattr(ctx, HELD_ATTR, None)
            setattr(ctx, RUN_RETRY_ATTR, False)
            if late:
                self._late.callback(lock.release)
            else:
                lock.release()

    def _run_retrying(self, ctx: MigrationContext, kw: dict[str, Any]) -> None:
        """Alembic's ``run_migrations()``; after a plain revision of a run in one shared
        transaction timed out on a lock (:class:`~alembic_zdm.execution.plain.RunRetry`),
        that transaction is rolled back — every lock the run took is released — and, after
        the back-off, the run starts again from the version table, until the retries
        are used up."""
        from ..execution.plain import RunRetry

        attempts: Any = None
        while True:
            try:
                self._original(**kw)
                return
            except RunRetry as retry:
                conn: Any = ctx.connection
                trans = conn.get_transaction()
                if trans is not None:
                    trans.rollback()
                ctx._transaction = conn.begin()  # what env.py's begin_transaction() block ends
                if attempts is None:
                    from ..execution.retry import StepAttempts

                    attempts = StepAttempts(ctx, self.settings, retry.label, support=retry.support)
                final = attempts.failed(retry.error)
                if final is None:
                    continue
                if final is retry.error:
                    raise retry.error from None
                raise final from retry.error

    def _before_wait(self, ctx: MigrationContext, holder: str) -> None:
        wait = f"{self.settings.runner_lock_wait_s:g} s"
        if _foreign(ctx):
            _say(
                f"another runner ({holder}) holds the runner lock; waiting up to {wait} inside "
                "a transaction env.py began itself (before context.configure(), or with "
                "connection.begin()), which alembic-zdm does not own and leaves open (run "
                "env.py's statements after configure(), inside context.begin_transaction(), to "
                "wait without it)"
            )
            return
        end_own_transaction(ctx)
        _say(f"another runner ({holder}) holds the runner lock; waiting up to {wait}")

    def close(self) -> None:
        """Release the locks kept until ``env.py`` returned (external transactions)."""
        self._late.close()

    def report(self, nothing_done: bool) -> None:
        """After a wait: say that the other runner left nothing to do, when it did."""
        lock = self.waited
        if lock is not None and nothing_done:
            _say(
                f"waited {lock.waited_s:.1f} s for the other runner; the database was then "
                "already at the target: nothing to do"
            )
