"""A revision whose own downgrade fails: the phase it undoes stays done, and is not skipped.

The shape of pypi/warehouse, CTFd and polar, whose ``downgrade base`` fails in stock Alembic
too: warehouse and CTFd drop a foreign key that has no name
(``op.drop_constraint(None, …)``: SQLAlchemy's CompileError), polar drops a table that
other objects still depend on. The undo step is rolled back, so the revision is still
applied and its phase still done: the state table must say so. Were it recorded as a
failed phase, the next ``downgrade`` would skip that revision's undo and go on below it,
and ``status``/``doctor`` would report a failed phase of a revision that is applied.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect

from alembic_zdm.errors import PhaseFailedError
from alembic_zdm.testing.project import make_project

from .conftest import current_heads, log_entries, state_rows

TABLES = """
def upgrade():
    op.create_table("owners", sa.Column("id", sa.Integer, primary_key=True))
    op.create_table(
        "pets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(20)),
    )

def downgrade():
    op.drop_table("pets")
    op.drop_table("owners")
"""

# warehouse df52c3746740 / CTFd 336b8c601b94: the downgrade drops a foreign key by the
# name None (what autogenerate writes for an unnamed one), which no dialect can render
UNNAMED_FK = """
def upgrade():
    op.add_column("pets", sa.Column("owner_id", sa.Integer, nullable=True))
    op.create_index("ix_pets_owner_id", "pets", ["owner_id"])

def downgrade():
    op.drop_constraint(None, "pets", type_="foreignkey")
    op.drop_index("ix_pets_owner_id", table_name="pets")
    op.drop_column("pets", "owner_id")
"""

LATER = """
def upgrade():
    op.add_column("pets", sa.Column("born", sa.Integer, nullable=True))

def downgrade():
    op.drop_column("pets", "born")
"""

LOG = """
def upgrade():
    op.create_table(
        "zdm_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("entry", sa.String(50), nullable=False),
    )

def downgrade():
    op.drop_table("zdm_log")
"""

# a phased revision whose undo of migrate fails while a flag table exists
PHASED = """
def log(entry):
    op.execute(sa.text("INSERT INTO zdm_log (entry) VALUES ('" + entry + "')"))

def expand():
    op.add_column("pets", sa.Column("tag", sa.String(20), nullable=True))
    log("expand")

def migrate():
    log("migrate")

def undo_migrate():
    log("undo_migrate")
    if sa.inspect(op.get_bind()).has_table("zdm_broken"):
        op.drop_table("no_such_table")

def undo_expand():
    op.drop_column("pets", "tag")
    log("undo_expand")
"""


def _pets(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        insp = inspect(engine)
        return [c["name"] for c in insp.get_columns("pets")] if insp.has_table("pets") else []
    finally:
        engine.dispose()


def test_failed_downgrade_keeps_the_revision_done_and_is_not_skipped_next_time(
    any_url: str, tmp_path: Path
) -> None:
    cfg = make_project(tmp_path, any_url, [("t1", TABLES), ("t2", UNNAMED_FK), ("t3", LATER)])
    command.upgrade(cfg, "zdm-phase:1")
    assert set(state_rows(any_url).values()) == {"done"}

    for _ in range(2):  # the second run must stop at t2 again, not step over it
        with pytest.raises(PhaseFailedError, match="undo expand of t2"):
            command.downgrade(cfg, "base")
        assert current_heads(any_url) == ["t2"]
        assert _pets(any_url) == ["id", "name", "owner_id"]
        rows = state_rows(any_url)
        assert rows[("t2", "expand")] == "done", rows
        assert rows[("t1", "expand")] == "done"
        assert rows[("t3", "expand")] == "rolled_back"

    command.upgrade(cfg, "head")
    assert current_heads(any_url) == ["t3"]
    assert _pets(any_url) == ["id", "name", "owner_id", "born"]


def test_failed_undo_of_an_in_flight_phase_keeps_it_done(pg_url: str, tmp_path: Path) -> None:
    cfg = make_project(tmp_path, pg_url, [("l1", LOG), ("t1", TABLES), ("p1", PHASED)])
    command.upgrade(cfg, "zdm-phase:2")
    assert current_heads(pg_url) == ["t1"]
    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE zdm_broken (id int)")
    engine.dispose()

    for _ in range(2):
        with pytest.raises(PhaseFailedError, match="undo migrate of p1"):
            command.downgrade(cfg, "t1")
        assert state_rows(pg_url)[("p1", "migrate")] == "done"
        assert "tag" in _pets(pg_url)
    assert log_entries(pg_url) == ["expand", "migrate"]  # both undo attempts rolled back

    command.upgrade(cfg, "head")  # migrate is done: not run again
    assert log_entries(pg_url) == ["expand", "migrate"]
    assert current_heads(pg_url) == ["p1"]
