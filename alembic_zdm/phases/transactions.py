"""One transaction per phase step, following the connection's real transaction state.

Each phase must commit on its own (a deploy happens between expand and contract), and a
failed phase must roll back only itself. What the runner may do depends on who holds the
transaction the connection is in when the run starts (:func:`mode`):

* **Alembic's, or none** (``context.begin_transaction()``, ``transaction_per_migration``,
  SQLAlchemy 2's auto-begin after a statement in env.py before ``configure()``): the runner
  commits it and gives each step a transaction of its own. An auto-begun transaction held
  by no ``with`` block is *adopted* this way: Alembic calls it external, but nobody can
  commit it except by ``connection.commit()``, which is what the runner does.
* **The caller's block** (``with connection.begin():``, ``engine.begin()``, ``async with
  engine.begin()`` around ``configure()``): SQLAlchemy allows no statement in that block
  once its transaction ends, so the runner never ends it. Steps run in savepoints; a
  revision that commits or needs ``autocommit_block()`` gets one sentence saying why it
  cannot run there, and its commit is refused so that nothing is half applied.

A revision may end the transaction itself: ``op.get_bind().commit()`` / ``.rollback()``,
``op.execute("COMMIT")``, an ``autocommit_block()``. The step then goes on in whatever
transaction the connection has now, and :class:`StepLog` records which statements of the
step had committed by then, so the runner never calls that work rolled back.
Offline (``--sql``) output uses Alembic's own BEGIN/COMMIT.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import sys
from collections.abc import Iterator
from typing import Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy import event
from sqlalchemy.sql import expression

from ..errors import ZdmError

OWNED = "owned"
"""The runner commits: each step has a root transaction of its own."""
HELD = "held"
"""The caller holds a transaction block: steps run in savepoints, nothing is committed."""

_MODE_ATTR = "_zdm_transaction_mode"
_SAVEPOINT = "zdm_step"
_TX_END = re.compile(r"^\s*(COMMIT|END|ROLLBACK|ABORT)(\s+(WORK|TRANSACTION))?\s*;?\s*$", re.I)
_NOT_WORK = re.compile(r"^\s*(SELECT|SHOW|SET|SAVEPOINT|RELEASE|ROLLBACK\s+TO|BEGIN)\b", re.I)


class CallerTransactionError(ZdmError):
    """A revision ends (or must leave) a transaction that env.py holds in a ``with`` block."""


def _caller_holds_block(conn: Any) -> bool:
    """True when a ``with connection.begin()`` (sync or asyncio) holds the open transaction."""
    if getattr(conn, "_trans_context_manager", None) is not None:
        return True
    asyncio_engine = sys.modules.get("sqlalchemy.ext.asyncio.engine")
    trans = conn.get_transaction()
    if asyncio_engine is None or trans is None:
        return False
    proxy = asyncio_engine.AsyncTransaction._retrieve_proxy_for_target(trans, regenerate=False)
    return proxy is not None


def mode(ctx: MigrationContext) -> str:
    """:data:`OWNED` or :data:`HELD`, decided once per run from the connection's real state.

    An auto-begun transaction that no ``with`` block holds is committed here (adopted),
    so everything after runs as in Alembic's own ``begin_transaction()`` layout.
    """
    found: str | None = getattr(ctx, _MODE_ATTR, None)
    if found is not None:
        return found
    conn: Any = ctx.connection
    found = OWNED
    if getattr(ctx, "_in_external_transaction", False) and conn.in_transaction():
        if _caller_holds_block(conn):
            found = HELD
        else:
            conn.commit()
            ctx._in_external_transaction = False
    elif getattr(ctx, "_in_external_transaction", False):
        ctx._in_external_transaction = False
    setattr(ctx, _MODE_ATTR, found)
    return found


def can_write(ctx: MigrationContext) -> bool:
    """False once the caller's transaction block has ended under the run (nothing can be
    written on the connection then, and the caller's block rolls back what this run wrote)."""
    if ctx.as_sql or mode(ctx) != HELD:
        return True
    conn: Any = ctx.connection
    return bool(conn.in_transaction())


def commit_pending(ctx: MigrationContext) -> None:
    """Commit whatever transaction is open on the context's connection (online, owned only)."""
    if ctx.as_sql or mode(ctx) == HELD:
        return
    conn: Any = ctx.connection
    ctx._transaction = None
    if conn.in_transaction():
        conn.commit()


def write_transactions(ctx: MigrationContext) -> contextlib.AbstractContextManager[None]:
    """The runner's transactions write: on SQLite they take the write lock when they begin
    (``BEGIN IMMEDIATE``), so they never fail upgrading a read lock behind app writers."""
    from ..config import settings_for_context
    from ..dialects import dialect_support

    conn: Any = ctx.connection
    return dialect_support(ctx.dialect).write_transactions(conn, settings_for_context(ctx))


@contextlib.contextmanager
def own_transaction(ctx: MigrationContext) -> Iterator[None]:
    """A short transaction for bookkeeping (state rows) outside the phase transaction."""
    if ctx.as_sql:
        yield
        return
    conn: Any = ctx.connection
    if mode(ctx) == HELD:
        with conn.begin_nested():
            yield
        return
    commit_pending(ctx)
    with write_transactions(ctx), conn.begin():
        yield


@dataclasses.dataclass
class StepLog:
    """What happened to the transaction while one step ran."""

    committed: list[str] = dataclasses.field(default_factory=list)
    """Statements of the step that were committed before it ended (durable whatever follows)."""
    pending: list[str] = dataclasses.field(default_factory=list)
    rolled_back_by_revision: bool = False
    savepoint_lost: bool = False

    @property
    def durable(self) -> bool:
        """True when part of the step committed before the step itself ended."""
        return bool(self.committed)

    def describe(self) -> str:
        """``2 statements (CREATE INDEX ix_a ON t (a); …)`` — what had committed."""
        count = len(self.committed)
        shown = "; ".join(_short(s) for s in self.committed[:3])
        more = "; …" if count > 3 else ""
        return f"{count} statement{'s' if count != 1 else ''} ({shown}{more})"

    # -- listeners ------------------------------------------------------------

    def on_statement(self, conn: Any, sql: str) -> None:
        end = _TX_END.match(sql)
        if end is not None:
            if end.group(1).upper() in ("COMMIT", "END"):
                self.on_commit()
            else:
                self.on_rollback()
            self.savepoint_lost = True
            return
        if _NOT_WORK.match(sql):
            return
        if in_autocommit(conn):
            self.committed.append(sql)
        else:
            self.pending.append(sql)

    def on_commit(self) -> None:
        self.committed.extend(self.pending)
        self.pending.clear()

    def on_rollback(self) -> None:
        self.pending.clear()
        self.rolled_back_by_revision = True


def in_autocommit(conn: Any) -> bool:
    """True when each statement commits by itself (an ``AUTOCOMMIT`` isolation level)."""
    check = getattr(conn, "_is_autocommit_isolation", None)
    if check is not None:
        return bool(check())
    return bool(conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT")


def _short(sql: str, width: int = 60) -> str:
    text = " ".join(sql.split())
    return text if len(text) <= width else text[: width - 1] + "…"


@contextlib.contextmanager
def _watching(ctx: MigrationContext, log: StepLog, what: str) -> Iterator[None]:
    """Follow commits, rollbacks and statements on the connection while the step runs."""
    conn: Any = ctx.connection
    held = mode(ctx) == HELD

    def before_cursor_execute(
        connection: Any, cursor: Any, statement: str, *args: Any, **kw: Any
    ) -> None:
        log.on_statement(connection, statement)

    def on_commit(connection: Any) -> None:
        if held:
            raise CallerTransactionError(
                f"The {what} commits the transaction (op.get_bind().commit()), but env.py "
                "runs the migrations inside its own 'with connection.begin():' block, where "
                "SQLAlchemy allows no statement after a commit; the commit was refused and "
                "nothing of this run is committed: open the connection without a transaction "
                "in env.py (Alembic's template: 'with context.begin_transaction():') and run "
                "the same command again."
            )
        log.on_commit()

    def on_rollback(connection: Any) -> None:
        log.on_rollback()

    listeners = (
        ("before_cursor_execute", before_cursor_execute),
        ("commit", on_commit),
        ("rollback", on_rollback),
    )
    for name, fn in listeners:
        event.listen(conn, name, fn)
    try:
        with _synced_autocommit_block(ctx, what):
            yield
    finally:
        for name, fn in listeners:
            event.remove(conn, name, fn)


@contextlib.contextmanager
def _synced_autocommit_block(ctx: MigrationContext, what: str) -> Iterator[None]:
    """``autocommit_block()`` that sees the transaction the connection really has.

    Alembic's block commits ``MigrationContext._transaction``; after a revision's own
    ``commit()`` that object is stale and the connection may have auto-begun another, so
    the block is given the connection's current transaction first.
    """
    original = ctx.autocommit_block
    held = mode(ctx) == HELD

    @contextlib.contextmanager
    def autocommit_block() -> Iterator[None]:
        if held:
            raise CallerTransactionError(
                f"The {what} needs autocommit_block() (a statement that must run outside a "
                "transaction), but env.py runs the migrations inside its own 'with "
                "connection.begin():' block, which cannot be left; nothing of this run is "
                "committed: open the connection without a transaction in env.py (Alembic's "
                "template: 'with context.begin_transaction():') and run the same command again."
            )
        conn: Any = ctx.connection
        ctx._transaction = conn.get_transaction() if conn.in_transaction() else None
        with original():
            yield

    ctx.autocommit_block = autocommit_block  # type: ignore[method-assign]
    try:
        yield
    finally:
        ctx.__dict__.pop("autocommit_block", None)


@contextlib.contextmanager
def phase_transaction(ctx: MigrationContext, what: str = "phase step") -> Iterator[StepLog]:
    """The transaction of one phase step: committed on success, rolled back on error.

    Yields the step's :class:`StepLog`; after an error, ``log.durable`` tells whether part
    of the step had committed (the revision committed by itself) and so stays.
    """
    log = StepLog()
    if ctx.as_sql:
        with ctx.begin_transaction(_per_migration=True), _offline_commits(ctx):
            yield log
        return
    if mode(ctx) == HELD:
        with _held_step(ctx, log, what):
            yield log
        return
    conn: Any = ctx.connection
    commit_pending(ctx)
    with write_transactions(ctx):
        ctx._transaction = conn.begin()
        try:
            with _watching(ctx, log, what):
                yield log
        except BaseException:
            if conn.in_transaction():
                conn.rollback()
            raise
        else:
            if conn.in_transaction():
                conn.commit()
        finally:
            ctx._transaction = None


@contextlib.contextmanager
def _offline_commits(ctx: MigrationContext) -> Iterator[None]:
    """``--sql``: a revision's ``op.get_bind().commit()`` / ``.rollback()`` is written out.

    Offline, ``op.get_bind()`` is SQLAlchemy's mock connection, which has neither method
    (stock Alembic stops with ``AttributeError``); the script gets ``COMMIT;`` (or
    ``ROLLBACK;``) and a new ``BEGIN;``, as Alembic writes around an ``autocommit_block()``.
    """
    conn: Any = ctx.connection
    transactional = ctx.impl.transactional_ddl

    def end(word: str) -> None:
        if transactional:
            ctx.impl.static_output(word + ctx.impl.command_terminator)
            ctx.impl.emit_begin()

    saved = {name: conn.__dict__.get(name) for name in ("commit", "rollback")}
    conn.commit = lambda: end("COMMIT")
    conn.rollback = lambda: end("ROLLBACK")
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                conn.__dict__.pop(name, None)
            else:
                conn.__dict__[name] = value


@contextlib.contextmanager
def _held_step(ctx: MigrationContext, log: StepLog, what: str) -> Iterator[None]:
    """A step inside the caller's transaction block: a savepoint, released or rolled back.

    A raw ``COMMIT`` / ``ROLLBACK`` statement of the revision ends the savepoint on the
    server behind SQLAlchemy's back; it is then neither released nor rolled back to.
    """
    conn: Any = ctx.connection
    savepoint = ctx.impl.transactional_ddl
    with write_transactions(ctx):
        if savepoint:
            conn.execute(_savepoint("begin"))
        try:
            with _watching(ctx, log, what):
                yield
        except BaseException:
            if savepoint and not log.savepoint_lost and conn.in_transaction():
                conn.execute(_savepoint("rollback"))
            raise
        else:
            if savepoint and not log.savepoint_lost:
                conn.execute(_savepoint("release"))


def _savepoint(action: str) -> Any:
    """``SAVEPOINT`` / ``ROLLBACK TO SAVEPOINT`` / ``RELEASE SAVEPOINT`` of the step."""
    clause = {
        "begin": expression.SavepointClause,
        "rollback": expression.RollbackToSavepointClause,
        "release": expression.ReleaseSavepointClause,
    }[action]
    return clause(_SAVEPOINT)  # type: ignore[no-untyped-call]
