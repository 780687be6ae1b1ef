"""The guard of plain revisions on MariaDB and SQLite, and CONCURRENTLY keeping its class.

MariaDB commits each DDL statement by itself, so a statement that timed out on its
lock holds nothing any more: the guard retries that statement (there is no
transaction to roll back). SQLite gets the lock timeout as its busy timeout.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.util import CommandError

from alembic_zdm.config import ZdmSettings
from alembic_zdm.dialects import dialect_support
from alembic_zdm.execution.guard import StatementGuard
from alembic_zdm.testing.load import LockHolder
from alembic_zdm.testing.project import make_project

from .hot import add_recording, setup

MY_SETUP = setup("mysql")
MY_ADD = add_recording("@@SESSION.lock_wait_timeout")


def _my_project(tmp_path: Path, url: str, *x: str) -> Any:
    cfg = make_project(tmp_path, url, [("setup", MY_SETUP), ("add", MY_ADD)])
    command.upgrade(cfg, "setup")
    cfg.cmd_opts = argparse.Namespace(x=["zdm_retry_base_ms=200", *x])
    return cfg


def _seen(url: str) -> Any:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        value = conn.execute(sa.text("SELECT v FROM seen")).scalar_one()
        columns = {c["name"] for c in sa.inspect(conn).get_columns("hot")}
    engine.dispose()
    return value, columns


@pytest.mark.mysql
def test_mariadb_plain_statement_is_retried_until_the_holder_ends(
    tmp_path: Path, mysql_url: str
) -> None:
    cfg = _my_project(tmp_path, mysql_url, "zdm_retries=30", "zdm_retry_cap_ms=500")
    holder = LockHolder(mysql_url, 2.5, "hot").hold()  # a shared metadata lock
    started = time.monotonic()
    command.upgrade(cfg, "head")
    elapsed = time.monotonic() - started
    holder.join(10)
    assert elapsed > 2.0, "the ALTER should have had to wait for the holder"
    lock_wait, columns = _seen(mysql_url)
    assert int(lock_wait) == 1  # 500 ms, rounded up to MariaDB's whole seconds
    assert "w" in columns


@pytest.mark.mysql
def test_mariadb_final_error_names_the_holder(tmp_path: Path, mysql_url: str) -> None:
    cfg = _my_project(tmp_path, mysql_url, "zdm_retries=2")
    holder = LockHolder(mysql_url, 6, "hot").hold()
    with pytest.raises(CommandError) as err:
        command.upgrade(cfg, "head")
    holder.join(10)
    message = str(err.value)
    assert message.startswith(
        "Could not lock table 'hot' for 'ALTER TABLE hot ADD COLUMN w INTEGER'"
    )
    assert "after 2 attempts" in message and "Lock wait timeout exceeded" in message
    assert f"pid {holder.pid} (" in message


@pytest.mark.mysql
def test_mariadb_guard_off_keeps_the_servers_lock_wait_timeout(
    tmp_path: Path, mysql_url: str
) -> None:
    cfg = _my_project(tmp_path, mysql_url, "zdm_guard_plain_revisions=false")
    command.upgrade(cfg, "head")
    lock_wait, _ = _seen(mysql_url)
    engine = sa.create_engine(mysql_url)
    with engine.connect() as conn:
        server = conn.execute(sa.text("SELECT @@GLOBAL.lock_wait_timeout")).scalar_one()
    engine.dispose()
    assert int(lock_wait) == int(server) != 1


SQLITE_REVISIONS = [
    (
        "setup",
        """
def upgrade():
    op.execute("CREATE TABLE hot (id INTEGER PRIMARY KEY, v INTEGER)")

def downgrade():
    op.execute("DROP TABLE hot")
""",
    ),
    (
        "add",
        """
def upgrade():
    op.add_column("hot", sa.Column("w", sa.Integer, nullable=True))
    op.execute("CREATE TABLE seen AS SELECT * FROM pragma_busy_timeout")

def downgrade():
    op.execute("DROP TABLE seen")
""",
    ),
]


def test_sqlite_plain_revision_gets_the_busy_timeout(tmp_path: Path, sqlite_url: str) -> None:
    cfg = make_project(tmp_path, sqlite_url, SQLITE_REVISIONS)
    cfg.cmd_opts = argparse.Namespace(x=["zdm_lock_timeout_ms=700"])
    command.upgrade(cfg, "head")
    engine = sa.create_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT * FROM seen")).scalar_one() == 700
    engine.dispose()


@pytest.mark.postgresql
def test_concurrently_keeps_its_timeout_class(pg_url: str) -> None:
    """A plain ``CREATE INDEX CONCURRENTLY`` gets no lock timeout and a bounded statement
    timeout for itself, and the session's values come back after it."""
    engine = sa.create_engine(pg_url)
    seen: list[str] = []
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("CREATE TABLE hot (id int, v int)"))
            conn.commit()
            sa.event.listen(conn, "before_cursor_execute", lambda *a: seen.append(a[2]))
            ctx = MigrationContext.configure(conn)
            guard = StatementGuard(ctx, ZdmSettings(), dialect_support(conn.dialect), retry=True)
            with guard.installed(), ctx.begin_transaction():
                with ctx.autocommit_block():
                    Operations(ctx).create_index(
                        "ix_hot_v", "hot", ["v"], postgresql_concurrently=True
                    )
            after = conn.execute(sa.text("SELECT current_setting('statement_timeout')")).scalar()
    finally:
        engine.dispose()
    build = next(i for i, s in enumerate(seen) if s.startswith("CREATE INDEX CONCURRENTLY"))
    assert "SET lock_timeout = '0'" in seen[:build]
    assert "SET statement_timeout = '1h'" in seen[:build]
    assert after == "0"
