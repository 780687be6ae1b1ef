"""One transaction per phase step, whatever env.py's transaction layout is.

Each phase must commit on its own (a deploy happens between expand and contract),
and a failed phase must roll back only itself. The runner therefore commits the
outer transaction that ``env.py`` opened and gives each step its own, keeping
``MigrationContext._transaction`` in step so ``autocommit_block()`` inside a phase
works as it does in Alembic. A connection the caller put in a transaction before
``configure()`` (an *external* transaction) is never committed: steps run in
savepoints instead. Offline (``--sql``) output uses Alembic's own BEGIN/COMMIT.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from alembic.runtime.migration import MigrationContext


def _external(ctx: MigrationContext) -> bool:
    return bool(getattr(ctx, "_in_external_transaction", False))


def commit_pending(ctx: MigrationContext) -> None:
    """Commit whatever transaction is open on the context's connection (online only)."""
    if ctx.as_sql or _external(ctx):
        return
    conn: Any = ctx.connection
    trans = ctx._transaction
    if trans is not None and trans.is_active:
        trans.commit()
    ctx._transaction = None
    if conn.in_transaction():
        conn.commit()


@contextlib.contextmanager
def own_transaction(ctx: MigrationContext) -> Iterator[None]:
    """A short transaction for bookkeeping (state rows) outside the phase transaction."""
    if ctx.as_sql:
        yield
        return
    conn: Any = ctx.connection
    if _external(ctx):
        with conn.begin_nested():
            yield
        return
    commit_pending(ctx)
    with conn.begin():
        yield


@contextlib.contextmanager
def phase_transaction(ctx: MigrationContext) -> Iterator[None]:
    """The transaction of one phase step: committed on success, rolled back on error."""
    if ctx.as_sql:
        with ctx.begin_transaction(_per_migration=True):
            yield
        return
    conn: Any = ctx.connection
    if _external(ctx):
        with conn.begin_nested():
            yield
        return
    commit_pending(ctx)
    ctx._transaction = conn.begin()
    try:
        yield
    except BaseException:
        trans = ctx._transaction
        if trans is not None and trans.is_active:
            trans.rollback()
        if conn.in_transaction():
            conn.rollback()
        raise
    else:
        trans = ctx._transaction
        if trans is not None and trans.is_active:
            trans.commit()
        if conn.in_transaction():
            conn.commit()
    finally:
        ctx._transaction = None
