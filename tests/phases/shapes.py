"""Transaction shapes of real env.py files and revisions, written as small synthetic ones.

Each env.py here has the shape of one found in public Alembic projects (opening its own
transaction, committing at the end, taking an advisory lock, ``transaction_per_migration``,
asyncio with ``run_sync``); each revision body has the shape of one that manages the
transaction by itself (``op.get_bind().commit()`` before ``autocommit_block()``,
``op.execute("COMMIT")``, ``rollback()`` after a failed probe). They are our own code.
"""

from __future__ import annotations

import dataclasses

_OFFLINE = """
def run_migrations_offline():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()
"""

_HEAD = """
from alembic import context
from sqlalchemy import create_engine, pool, text

config = context.config
URL = config.get_main_option("sqlalchemy.url")
"""

_MAIN = """
if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
"""


def _env(online: str, head: str = _HEAD, main: str = _MAIN) -> str:
    return head + _OFFLINE + online + main


ENVS: dict[str, str] = {
    # Alembic's own template: begin_transaction() around run_migrations().
    "template": _env(
        """
def run_migrations_online():
    engine = create_engine(URL, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
"""
    ),
    "per_migration": _env(
        """
def run_migrations_online():
    engine = create_engine(URL, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()
"""
    ),
    # Session settings before configure(): SQLAlchemy 2 auto-begins a transaction, so
    # Alembic sees an external one; env.py commits at the end and holds a session-level
    # advisory lock around the run.
    "autobegun_with_lock": _env(
        """
def run_migrations_online():
    engine = create_engine(URL, poolclass=pool.NullPool)
    with engine.connect() as connection:
        connection.execute(text("SET statement_timeout = 60000"))
        context.configure(connection=connection, transaction_per_migration=True)
        with context.begin_transaction():
            connection.execute(text("SELECT pg_advisory_lock(4242)"))
            context.run_migrations()
            context.get_bind().commit()
            connection.execute(text("SELECT pg_advisory_unlock(4242)"))
"""
    ),
    # env.py opens the transaction itself and configures inside it.
    "own_transaction": _env(
        """
def run_migrations_online():
    engine = create_engine(URL, poolclass=pool.NullPool)
    with engine.connect() as connection:
        with connection.begin():
            context.configure(connection=connection)
            context.run_migrations()
"""
    ),
    # engine.begin(): the connection arrives inside a transaction the caller commits.
    "engine_begin": _env(
        """
def run_migrations_online():
    engine = create_engine(URL, poolclass=pool.NullPool)
    with engine.begin() as connection:
        context.configure(connection=connection)
        context.run_migrations()
"""
    ),
    # a transaction-level advisory lock taken inside Alembic's transaction.
    "xact_lock": _env(
        """
def run_migrations_online():
    engine = create_engine(URL, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection)
        with context.begin_transaction():
            connection.execute(text("SELECT pg_advisory_xact_lock(4243)"))
            context.run_migrations()
"""
    ),
    # begin_transaction() nested in begin_transaction().
    "nested_begin": _env(
        """
def run_migrations_online():
    engine = create_engine(URL, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection)
        with context.begin_transaction():
            with context.begin_transaction():
                context.run_migrations()
"""
    ),
    # asyncio: an AsyncEngine (asyncpg) and run_sync, as in Alembic's async template.
    "async": _env(
        """
import asyncio
from sqlalchemy.ext.asyncio import create_async_engine


def do_run_migrations(connection):
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations():
    engine = create_async_engine(ASYNC_URL, poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(do_run_migrations)
    await engine.dispose()


def run_migrations_online():
    asyncio.run(run_async_migrations())
""",
        head=_HEAD + 'ASYNC_URL = URL.replace("postgresql+psycopg://", "postgresql+asyncpg://")\n',
    ),
    # asyncio with the transaction held by ``async with engine.begin()``.
    "async_begin": _env(
        """
import asyncio
from sqlalchemy.ext.asyncio import create_async_engine


def do_run_migrations(connection):
    context.configure(connection=connection)
    context.run_migrations()


async def run_async_migrations():
    engine = create_async_engine(ASYNC_URL, poolclass=pool.NullPool)
    async with engine.begin() as connection:
        await connection.run_sync(do_run_migrations)
    await engine.dispose()


def run_migrations_online():
    asyncio.run(run_async_migrations())
""",
        head=_HEAD + 'ASYNC_URL = URL.replace("postgresql+psycopg://", "postgresql+asyncpg://")\n',
    ),
}

# ---- revisions ---------------------------------------------------------------------

BASE = """
def upgrade():
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(100)),
        sa.Column("owner_id", sa.Integer),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("account_id", sa.Integer),
        sa.Column("kind", sa.String(20)),
    )
    op.execute("INSERT INTO accounts (id, email) VALUES (1, 'a@example.org'), (2, NULL)")

def downgrade():
    op.drop_table("events")
    op.drop_table("accounts")
"""

PHASED = """
def expand():
    op.add_column("accounts", sa.Column("email_lower", sa.String(100), nullable=True))

def migrate():
    op.execute("UPDATE accounts SET email_lower = lower(email) WHERE email IS NOT NULL")

def contract():
    op.drop_column("accounts", "owner_id")

def undo_contract():
    op.add_column("accounts", sa.Column("owner_id", sa.Integer))

def undo_migrate():
    pass

def undo_expand():
    op.drop_column("accounts", "email_lower")

def upgrade():
    expand()
    migrate()
    contract()

def downgrade():
    undo_contract()
    undo_migrate()
    undo_expand()
"""

_DOWN_INDEXES = """
def downgrade():
    op.drop_index("ix_events_kind", table_name="events")
    op.drop_index("ix_events_account_id", table_name="events")
"""

REVISIONS: dict[str, str] = {
    # nothing about transactions: plain DDL (for env.py shapes that allow nothing else)
    "plain": """
def upgrade():
    op.create_index("ix_events_account_id", "events", ["account_id"])
    op.create_index("ix_events_kind", "events", ["kind"])
"""
    + _DOWN_INDEXES,
    # a plain index, commit, then a concurrent index in an autocommit block
    "commit_then_autocommit": """
def upgrade():
    op.create_index("ix_events_account_id", "events", ["account_id"])
    op.get_bind().commit()
    with op.get_context().autocommit_block():
        op.create_index("ix_events_kind", "events", ["kind"], postgresql_concurrently=True)
"""
    + _DOWN_INDEXES,
    # the autocommit block first, then more DDL, a commit, and DDL after it
    "autocommit_then_commit": """
def upgrade():
    with op.get_context().autocommit_block():
        op.create_index("ix_events_kind", "events", ["kind"], postgresql_concurrently=True)
    op.create_index("ix_events_account_id", "events", ["account_id"])
    op.get_bind().commit()
    op.add_column("events", sa.Column("note", sa.Text))

def downgrade():
    op.drop_column("events", "note")
    op.drop_index("ix_events_account_id", table_name="events")
    op.drop_index("ix_events_kind", table_name="events")
""",
    # batches committed one by one (a data migration), then DDL
    "commit_batches": """
def upgrade():
    bind = op.get_bind()
    for low in (0, 100, 200):
        bind.execute(
            sa.text("INSERT INTO events (id, account_id, kind) SELECT :l + 1, 1, 'seed' WHERE NOT EXISTS (SELECT 1 FROM events WHERE id = :l + 1)"),
            {"l": low},
        )
        bind.commit()
    op.create_index("ix_events_account_id", "events", ["account_id"])

def downgrade():
    op.drop_index("ix_events_account_id", table_name="events")
    op.execute("DELETE FROM events WHERE kind = 'seed'")
""",
    # the pre-autocommit_block idiom: end the transaction with a raw COMMIT
    "execute_commit": """
def upgrade():
    op.create_index("ix_events_account_id", "events", ["account_id"])
    op.execute("COMMIT")
    op.add_column("events", sa.Column("note", sa.Text))

def downgrade():
    op.drop_column("events", "note")
    op.drop_index("ix_events_account_id", table_name="events")
""",
    # a probe that may fail, undone with rollback() on the bind, then DDL
    "rollback_after_probe": """
def upgrade():
    op.get_bind().commit()
    try:
        op.execute("SELECT no_such_column FROM events")
    except sa.exc.DBAPIError:
        op.get_bind().rollback()
    op.create_index("ix_events_account_id", "events", ["account_id"])
    op.create_index("ix_events_kind", "events", ["kind"])
"""
    + _DOWN_INDEXES,
}


@dataclasses.dataclass(frozen=True)
class Shape:
    """One env.py with one revision that manages the transaction itself."""

    env: str
    revision: str

    @property
    def id(self) -> str:
        """Test id: ``env/revision``."""
        return f"{self.env}/{self.revision}"


def shape_revisions(revision: str) -> list[tuple[str, str]]:
    """The project's revisions: tables, the shape's revision, then a phased revision."""
    return [("t1base", BASE), ("t2shape", REVISIONS[revision]), ("t3phased", PHASED)]
