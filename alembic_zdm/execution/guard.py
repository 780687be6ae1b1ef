"""The lock guard of code alembic-zdm does not plan: plain ops in phases, plain revisions.

With the plugin installed, a plain revision that ``alembic upgrade`` runs by
Alembic's own path (DESIGN §13, ``guard_plain_revisions``;
:mod:`~alembic_zdm.execution.plain` wraps Alembic's steps) gets:

* **the lock timeout** — PostgreSQL: ``SET LOCAL lock_timeout`` in each transaction
  (and again after an ``autocommit_block()``), or one session ``SET`` for a run of one
  transaction per revision on a direct connection; MySQL/MariaDB:
  a session ``lock_wait_timeout``; SQLite: ``busy_timeout``; the session's own values
  are put back at the end. A lock timeout the session already has (set in env.py,
  the connect arguments, the role or the server) is kept.
* **retries** — PostgreSQL: a lock timeout rolls the revision back — its own
  transaction, or a ``SAVEPOINT`` when it shares one — releasing every lock the
  revision took, and the revision runs again after a back-off
  (:mod:`~alembic_zdm.execution.retry`). MySQL/MariaDB and SQLite: DDL commits at once, so a statement that timed out holds nothing any more, and the
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
from ..sql.levels import TimeoutClass
from .retry import warn

_CONCURRENT_SQL = r"\bCONCURRENTLY\b|\bVALIDATE\s+CONSTRAINT\b"


def _concurrent_sql(sql: str) -> bool:
    """*sql* builds or drops an index ``CONCURRENTLY`` or validates a constraint (the
    pattern is compiled the first time a statement could match, not at import)."""
    upper = sql.upper()
    if "CONCURRENTLY" not in upper and "VALIDATE" not in upper:
        return False
    return re.search(_CONCURRENT_SQL, sql, re.I) is not None


def _run_sql(ctx: MigrationContext, statements: Sequence[str]) -> None:
    for sql in statements:
        ctx.impl._exec(sql)


@contextlib.contextmanager
def transaction_guard(
    ctx: MigrationContext, guard: Sequence[str], *, now: bool = True
) -> Iterator[None]:
    """Run *guard* (``SET LOCAL …``) now (unless *now* is false: the caller did) and again
    after every ``autocommit_block()``.

    ``SET LOCAL`` ends with the transaction that an autocommit block commits, so the
    transaction Alembic opens after the block gets it again.
    """
    original = ctx.autocommit_block

    @contextlib.contextmanager
    def autocommit_block() -> Iterator[None]:
        with original():
            yield
        _run_sql(ctx, guard)

    if now:
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

    def installed(self) -> _Installed:
        """``with guard.installed():`` patches ``ctx.impl._exec`` inside the block."""
        return _Installed(self)

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
                from .policy import backoff_ms  # (a run that never waits never loads it)

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
        from .blocking import plain_statement_blockers, statement_text

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
        from .blocking import plain_lock_error, plain_statement_blockers, statement_text

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
        from .policy import policy_for

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


class _Installed:
    """The block of :meth:`StatementGuard.installed` (a plain class, not a generator: it
    is entered once per plain revision of every ``upgrade``)."""

    __slots__ = ("guard", "impl")

    def __init__(self, guard: StatementGuard) -> None:
        self.guard = guard
        self.impl: Any = guard.ctx.impl

    def __enter__(self) -> None:
        original = self.impl._exec
        execute = self.guard.execute

        def _exec(construct: Any, *args: Any, **kw: Any) -> Any:
            return execute(original, construct, *args, **kw)

        self.impl._exec = _exec

    def __exit__(self, *_: object) -> None:
        del self.impl._exec


def in_real_transaction(conn: Any) -> bool:
    """True when statements on *conn* run inside a transaction block (not autocommit)."""
    if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return False
    return bool(conn.in_transaction())


def _is_concurrent(construct: Any) -> bool:
    """``CREATE/DROP INDEX CONCURRENTLY`` or ``VALIDATE CONSTRAINT``, without compiling."""
    if isinstance(construct, str):
        return _concurrent_sql(construct)
    text = getattr(construct, "text", None)
    if isinstance(text, str):
        return _concurrent_sql(text)
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
