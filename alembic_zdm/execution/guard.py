"""The lock guard of code alembic-zdm does not plan: plain ops in phases, plain revisions.

With the plugin installed, a plain revision that ``alembic upgrade`` runs by
Alembic's own path (DESIGN §13, ``guard_plain_revisions``) gets:

* **the lock timeout** — PostgreSQL: ``SET LOCAL lock_timeout`` at the start of each
  revision's transaction (and again after an ``autocommit_block()``); MySQL/MariaDB:
  a session ``lock_wait_timeout``; SQLite: ``busy_timeout``; the session's own values
  are put back at the end. A lock timeout the session already has (set in env.py,
  the connect arguments, the role or the server) is kept.
* **retries** — PostgreSQL: the revision runs in a ``SAVEPOINT``; a lock timeout rolls
  it back, releasing every lock the revision took, and the revision runs again
  after a back-off (:mod:`~alembic_zdm.execution.retry`). MySQL/MariaDB and SQLite:
  DDL commits at once, so a statement that timed out holds nothing any more, and the
  statement itself is retried.
* **its timeout class** for ``CONCURRENTLY`` and ``VALIDATE CONSTRAINT``: no lock
  timeout (``concurrent_lock_timeout_ms``), a bounded statement timeout.
* a **final error naming the blocking sessions**.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from alembic.runtime.migration import MigrationContext

from ..config import ZdmSettings
from ..dialects import DialectSupport
from ..errors import LockNotAcquiredError, ZdmError
from ..sql.statement import TimeoutClass
from .blocking import held_by_step, plain_lock_error, plain_statement_blockers, statement_text
from .policy import backoff_ms, policy_for
from .retry import StepAttempts, support_of, warn

_CONCURRENT_SQL = re.compile(r"\bCONCURRENTLY\b|\bVALIDATE\s+CONSTRAINT\b", re.I)


def _run_sql(ctx: MigrationContext, statements: Sequence[str]) -> None:
    for sql in statements:
        ctx.impl._exec(sql)


@contextlib.contextmanager
def transaction_guard(ctx: MigrationContext, guard: Sequence[str]) -> Iterator[None]:
    """Run *guard* (``SET LOCAL …``) now and again after every ``autocommit_block()``.

    ``SET LOCAL`` ends with the transaction that an autocommit block commits, so the
    transaction Alembic opens after the block gets it again.
    """
    original = ctx.autocommit_block

    @contextlib.contextmanager
    def autocommit_block() -> Iterator[None]:
        with original():
            yield
        _run_sql(ctx, guard)

    _run_sql(ctx, guard)
    ctx.autocommit_block = autocommit_block  # type: ignore[method-assign]
    try:
        yield
    finally:
        del ctx.autocommit_block


class StatementGuard:
    """Wraps ``ctx.impl._exec`` (every plain op's statement) for the duration of a block.

    * ``CONCURRENTLY`` / ``VALIDATE CONSTRAINT`` run under the CONCURRENT class;
    * with *retry*, a statement that timed out on its lock is tried again with
      back-off — only where that is safe: DDL that commits by itself (MySQL/MariaDB),
      SQLite's busy timeout, or a connection outside a transaction;
    * after the last try the error names the blocking sessions.
    """

    def __init__(
        self,
        ctx: MigrationContext,
        settings: ZdmSettings,
        support: DialectSupport,
        *,
        retry: bool,
        keep_lock_timeout: bool = False,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.ctx = ctx
        self.settings = settings
        self.support = support
        self.retry = retry
        self.keep_lock_timeout = keep_lock_timeout
        self.sleep = sleep

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        """Patch ``ctx.impl._exec`` inside the block."""
        impl = self.ctx.impl
        original = impl._exec

        def _exec(construct: Any, *args: Any, **kw: Any) -> Any:
            return self.execute(original, construct, *args, **kw)

        impl._exec = _exec  # type: ignore[method-assign]
        try:
            yield
        finally:
            del impl._exec

    def execute(self, original: Callable[..., Any], construct: Any, *args: Any, **kw: Any) -> Any:
        """Run one plain statement through *original* under the guard."""
        if self.support.name == "postgresql" and _is_concurrent(construct):
            with self._concurrent_timeouts():
                return original(construct, *args, **kw)
        attempt, started = 1, time.monotonic()
        while True:
            try:
                return original(construct, *args, **kw)
            except Exception as exc:
                if not self.support.is_lock_timeout(exc) or isinstance(exc, ZdmError):
                    raise
                if not self._may_retry(exc) or attempt >= max(1, self.settings.retries):
                    if not self._may_retry(exc):
                        raise  # the step (or revision) around it is retried or fails
                    raise self._final(exc, attempt, started) from exc
                delay = backoff_ms(attempt, self.settings)
                self._log_retry(exc, attempt, delay)
                self.sleep(delay / 1000)
                attempt += 1

    def _may_retry(self, exc: BaseException) -> bool:
        if not self.retry:
            return False
        conn: Any = self.ctx.connection
        if self.support.name in ("mysql", "mariadb"):
            from ..dialects.mysql import LOCK_WAIT_TIMEOUT, error_code

            return error_code(exc) == LOCK_WAIT_TIMEOUT  # a deadlock rolled the transaction back
        if self.support.name == "sqlite":
            return True
        return not in_real_transaction(conn)

    def _log_retry(self, exc: BaseException, attempt: int, delay: float) -> None:
        sql = statement_text(exc)
        try:
            waited, _ = plain_statement_blockers(self.support, self.ctx.connection, sql)  # type: ignore[arg-type]
        except Exception:  # the look-up must not hide the lock timeout
            waited = None
        where = waited.describe() if waited else "its lock"
        warn(
            f"{sql[:80]!r} waited for {where}; it holds nothing now (the DDL committed by "
            f"itself), retrying it in {delay / 1000:.1f} s "
            f"(attempt {attempt + 1} of {self.settings.retries})"
        )

    def _final(self, exc: BaseException, attempts: int, started: float) -> LockNotAcquiredError:
        sql = statement_text(exc)
        try:
            waited, _ = plain_statement_blockers(self.support, self.ctx.connection, sql)  # type: ignore[arg-type]
        except Exception:  # the look-up must not hide the lock timeout
            waited = None
        return plain_lock_error(
            sql, waited, attempts, time.monotonic() - started, self.settings.lock_timeout_ms, exc
        )

    @contextlib.contextmanager
    def _concurrent_timeouts(self) -> Iterator[None]:
        conn: Any = self.ctx.connection
        policy = policy_for(self.settings, TimeoutClass.CONCURRENT)
        local = in_real_transaction(conn)
        saved = self.support.read_timeouts(conn)
        lock_ms = None if self.keep_lock_timeout else policy.lock_timeout_ms
        statement_ms = (
            policy.statement_timeout_ms if saved.get("statement_timeout") in ("0", None) else None
        )
        _run_sql(self.ctx, self.support.timeout_statements(lock_ms, statement_ms, local=local))
        try:
            yield
        finally:
            if not local or conn.in_transaction():
                self.support.restore_timeouts(conn, saved, local=local)


def in_real_transaction(conn: Any) -> bool:
    """True when statements on *conn* run inside a transaction block (not autocommit)."""
    if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return False
    return bool(conn.in_transaction())


def _is_concurrent(construct: Any) -> bool:
    """``CREATE/DROP INDEX CONCURRENTLY`` or ``VALIDATE CONSTRAINT``, without compiling."""
    if isinstance(construct, str):
        return bool(_CONCURRENT_SQL.search(construct))
    text = getattr(construct, "text", None)
    if isinstance(text, str):
        return bool(_CONCURRENT_SQL.search(text))
    element = getattr(construct, "element", None)
    options = getattr(element, "dialect_options", None)
    if options is None or type(construct).__name__ not in ("CreateIndex", "DropIndex"):
        return False
    try:
        return bool(options["postgresql"]["concurrently"])
    except (KeyError, TypeError):
        return False


@contextlib.contextmanager
def session_lock_timeout(
    ctx: MigrationContext, support: DialectSupport, lock_timeout_ms: int
) -> Iterator[None]:
    """A session lock timeout (MySQL/MariaDB, SQLite) for the block, then the old values."""
    conn: Any = ctx.connection
    saved = None if ctx.as_sql else support.read_timeouts(conn)
    for sql in support.timeout_statements(lock_timeout_ms, None, local=False):
        ctx.impl._exec(sql)
    try:
        yield
    finally:
        if saved is not None:
            support.restore_timeouts(conn, saved, local=False)
        else:
            for sql in support.reset_statements(["lock_timeout"], local=False):
                ctx.impl._exec(sql)


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
        self._session: contextlib.ExitStack | None = None

    def wrap(self, step: Any) -> None:
        """Replace *step*'s ``migration_fn`` by the guarded one."""
        fn = step.migration_fn
        doc = (getattr(step.revision, "doc", "") or "").strip().splitlines()
        label = f"Revision {step.revision.revision}" + (f" ({doc[0]})" if doc else "")

        def guarded(**kw: Any) -> None:
            try:
                self._run(label, fn, kw)
            except BaseException:
                self._end()
                raise
            self.remaining -= 1
            if self.remaining <= 0:
                self._end()

        step.migration_fn = guarded

    def _start(self) -> None:
        conn: Any = self.ctx.connection
        if self.user_timeout is None:
            saved = self.support.read_timeouts(conn)
            self.user_timeout = self.support.has_own_lock_timeout(conn, saved)
        if self._session is None and not self.transactional and not self.user_timeout:
            self._session = contextlib.ExitStack()
            self._session.enter_context(
                session_lock_timeout(self.ctx, self.support, self.settings.lock_timeout_ms)
            )

    def _end(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            session.close()

    def _run(self, label: str, fn: Callable[..., None], kw: dict[str, Any]) -> None:
        self._start()
        statements = StatementGuard(
            self.ctx,
            self.settings,
            self.support,
            retry=True,
            keep_lock_timeout=bool(self.user_timeout),
        )
        if not self.transactional:
            with statements.installed():
                fn(**kw)
            return
        guard = (
            []
            if self.user_timeout
            else self.support.timeout_statements(self.settings.lock_timeout_ms, None, local=True)
        )
        attempts = StepAttempts(self.ctx, self.settings, label)
        conn: Any = self.ctx.connection
        while True:
            savepoint = conn.begin_nested() if conn.in_transaction() else None
            try:
                with transaction_guard(self.ctx, guard), statements.installed():
                    with attempts.watch():
                        attempts.lock_first()
                        fn(**kw)
            except Exception as exc:
                if savepoint is not None and savepoint.is_active:
                    savepoint.rollback()
                if savepoint is None:
                    attempts.committed = True
                final = self._failed(attempts, exc)
                if final is exc:
                    raise
                if final is not None:
                    raise final from exc
                continue
            if savepoint is not None and savepoint.is_active:
                savepoint.commit()
            return

    def _failed(self, attempts: StepAttempts, exc: BaseException) -> BaseException | None:
        """Retry the revision, unless earlier revisions of the transaction hold strong locks."""
        if not self.support.is_lock_timeout(exc) and not isinstance(exc, LockNotAcquiredError):
            return exc
        conn: Any = self.ctx.connection
        if attempts.committed:
            held: list[str] = []
        else:
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
