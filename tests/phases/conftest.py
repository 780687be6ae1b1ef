"""Fixtures for the phase runner tests: a project with three phased revisions."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.config import Config
from sqlalchemy import create_engine, text

from alembic_zdm.testing.project import make_project

LOG_TABLE = """
def upgrade():
    op.create_table(
        "zdm_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("entry", sa.String(50), nullable=False),
    )

def downgrade():
    op.drop_table("zdm_log")
"""


def phased(rev: str, fail_flag: bool = False) -> str:
    """A phased revision that logs each phase (and undo) into zdm_log.

    With *fail_flag*, its migrate step fails while a table ``zdm_fail_flag`` exists
    (after logging, so the test sees that the log insert was rolled back).
    """
    fail = (
        "    bind = op.get_bind()\n"
        "    if sa.inspect(bind).has_table('zdm_fail_flag'):\n"
        "        op.execute('INSERT INTO no_such_table VALUES (1)')\n"
        if fail_flag
        else ""
    )
    return f"""
def log(entry):
    op.execute(sa.text("INSERT INTO zdm_log (entry) VALUES ('" + entry + "')"))

def expand():
    op.add_column("items", sa.Column("c_{rev}", sa.Integer, nullable=True))
    log("{rev}:expand")

def migrate():
    log("{rev}:migrate")
{fail}
def contract():
    log("{rev}:contract")

def undo_contract():
    log("{rev}:undo_contract")

def undo_migrate():
    log("{rev}:undo_migrate")

def undo_expand():
    op.drop_column("items", "c_{rev}")
    log("{rev}:undo_expand")
"""


ITEMS = """
def upgrade():
    op.create_table("items", sa.Column("id", sa.Integer, primary_key=True))

def downgrade():
    op.drop_table("items")
"""


@pytest.fixture(params=["postgresql", "mysql", "sqlite"])
def any_url(request: pytest.FixtureRequest) -> str:
    """A fresh database of each kind."""
    name = {"postgresql": "pg_url", "mysql": "mysql_url", "sqlite": "sqlite_url"}[request.param]
    url: str = request.getfixturevalue(name)
    return url


def three_phased_project(root: Path, url: str, fail_flag: bool = False, extra: str = "") -> Config:
    """base (log table) → items → r1, r2, r3 phased."""
    return make_project(
        root,
        url,
        [
            ("r0", LOG_TABLE),
            ("items", ITEMS),
            ("r1", phased("r1")),
            ("r2", phased("r2", fail_flag=fail_flag)),
            ("r3", phased("r3")),
        ],
        configure_extra=extra,
    )


def log_entries(url: str) -> list[str]:
    """The zdm_log entries, in insertion order."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [r[0] for r in conn.execute(text("SELECT entry FROM zdm_log ORDER BY id"))]
    finally:
        engine.dispose()


def current_heads(url: str) -> list[str]:
    """What ``alembic current`` reads: the version table rows."""
    from alembic.runtime.migration import MigrationContext

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return sorted(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()


def state_rows(url: str) -> dict[tuple[str, str], str]:
    """(revision, phase label) → status from the state table."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT revision, phase_name, status FROM alembic_zdm_state"))
            return {(r[0], r[1]): r[2] for r in rows}
    finally:
        engine.dispose()
