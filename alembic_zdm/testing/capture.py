"""Run ``op.*`` calls without a database and get the SQL they emit, per dialect.

Alembic's offline (``--sql``) mode writes every statement to an output buffer; this
wraps it so a test can assert the exact SQL of an operation::

    with capture_sql("postgresql") as (op, sql):
        op.add_index_concurrently("ix_users_email", "users", ["email"])
    assert "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_users_email ON users (email)" in sql.statements
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine


class SqlBuffer:
    """The output buffer of an offline migration context."""

    def __init__(self) -> None:
        self.chunks: list[str] = []

    def write(self, text: str) -> None:
        """Alembic writes each statement followed by a blank line."""
        self.chunks.append(text)

    def flush(self) -> None:
        """Nothing to flush."""

    def clear(self) -> None:
        """Forget what was written so far."""
        self.chunks.clear()

    @property
    def text(self) -> str:
        """Everything written, as one string."""
        return "".join(self.chunks)

    @property
    def statements(self) -> list[str]:
        """Each statement, stripped and without its terminating ``;``."""
        parts = (p.strip() for p in self.text.split("\n\n"))
        return [p[:-1] if p.endswith(";") else p for p in parts if p]


@contextlib.contextmanager
def capture_sql(
    dialect_name: str = "postgresql",
    *,
    server_version: tuple[int, ...] | None = None,
    transactional: bool = True,
) -> Iterator[tuple[Operations, SqlBuffer]]:
    """An offline ``Operations`` for *dialect_name* and the buffer its SQL goes to.

    :param server_version: pretend the server has this version (plans that depend on
        it, e.g. PostgreSQL 18's native ``NOT NULL … NOT VALID``).
    :param transactional: run the block inside ``BEGIN`` … ``COMMIT`` as ``env.py``
        does; the buffer holds them too.
    """
    buffer = SqlBuffer()
    ctx = MigrationContext.configure(
        dialect_name=dialect_name, opts={"as_sql": True, "output_buffer": buffer}
    )
    if server_version is not None:
        ctx.dialect.server_version_info = server_version
    operations = Operations(ctx)
    if transactional:
        with ctx.begin_transaction():
            yield operations, buffer
    else:
        yield operations, buffer


@contextlib.contextmanager
def online_operations(url: str, *, transactional: bool = True) -> Iterator[Operations]:
    """An ``Operations`` on a live connection to *url*, as ``env.py`` would set it up.

    With *transactional* the block runs in ``context.begin_transaction()`` (committed
    at the end, rolled back on error).
    """
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            ctx = MigrationContext.configure(connection)
            operations = Operations(ctx)
            if transactional:
                with ctx.begin_transaction():
                    yield operations
            else:
                yield operations
            if connection.in_transaction():
                connection.commit()
    finally:
        engine.dispose()
