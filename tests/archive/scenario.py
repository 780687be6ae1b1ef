"""The revisions the archive tests run, and how they read the data back."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

ROWS = 3000


def setup(users: str = "users", legacy: str = "legacy", sessions: str = "old_sessions") -> str:
    """A plain revision: *users* with a *legacy* column (some NULLs) and *sessions* pointing at it."""
    return f"""
def upgrade():
    users = op.create_table(
        {users!r},
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(100)),
        sa.Column({legacy!r}, sa.String(100), nullable=False, server_default="none"),
    )
    op.bulk_insert(users, [
        {{"email": f"u{{i}}@x", {legacy!r}: "none" if i % 7 == 0 else f"v{{i}} é"}}
        for i in range(1, {ROWS} + 1)
    ])
    op.execute(sa.update(users).where(users.c.id % 11 == 0).values({{users.c[{legacy!r}]: "eleven"}}))
    sessions = op.create_table(
        {sessions!r},
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey(users.c.id)),
        sa.Column("token", sa.String(40), nullable=False),
    )
    op.create_index("ix_sessions_token", {sessions!r}, ["token"], unique=True)
    op.bulk_insert(sessions, [
        {{"id": i, "user_id": i, "token": f"t{{i}}"}} for i in range(1, {ROWS // 3} + 1)
    ])

def downgrade():
    op.drop_table({sessions!r})
    op.drop_table({users!r})
"""


def drop(users: str = "users", legacy: str = "legacy", sessions: str = "old_sessions") -> str:
    """A phased revision dropping *legacy* and the *sessions* table in contract."""
    return f"""
def expand():
    op.safe_drop_column({users!r}, {legacy!r}, existing_nullable=False, existing_server_default="'none'")
    op.safe_drop_table({sessions!r})
"""


def rows(url: str, table: str, columns: list[str]) -> dict[Any, tuple[Any, ...]]:
    """``{id: (columns…)}`` of every row of *table*."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            t = sa.table(table, *(sa.column(c) for c in ["id", *columns]))
            result = conn.execute(sa.select(*t.c).order_by(t.c.id))
            return {r[0]: tuple(r[1:]) for r in result}
    finally:
        engine.dispose()


def columns(url: str, table: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return {c["name"] for c in sa.inspect(conn).get_columns(table)}
    finally:
        engine.dispose()


def tables(url: str, schema: str | None = None) -> set[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return set(sa.inspect(conn).get_table_names(schema=schema))
    finally:
        engine.dispose()
