"""``alembic downgrade -1`` mid-deploy undoes the newest in-flight revision first, and says so.

Current 0001 (a 200,000-row table), 0002 and 0003 in flight (expand and migrate done,
not in the version table): ``-1`` must undo 0003's done phases only — never 0001 —
and print what it undoes before it undoes anything.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, inspect, text

from alembic_zdm.testing.project import make_project

from .conftest import current_heads, state_rows

BIN = Path(sys.executable).parent

BIG = """
def upgrade():
    op.create_table("big", sa.Column("id", sa.Integer, primary_key=True), sa.Column("v", sa.Integer))
    op.execute("INSERT INTO big (id, v) SELECT g, g % 97 FROM generate_series(1, 200000) AS g")

def downgrade():
    op.drop_table("big")
"""

NOTE = """
def expand():
    op.add_column("big", sa.Column("note", sa.String(10), nullable=True))

def migrate():
    op.execute("UPDATE big SET note = 'n' WHERE id <= 10")

def undo_migrate():
    op.execute("UPDATE big SET note = NULL")

def undo_expand():
    op.drop_column("big", "note")
"""

INDEX = """
def expand():
    op.add_index_concurrently("ix_big_v", "big", ["v"])

def migrate():
    op.execute("SELECT 1")

def undo_expand():
    op.drop_index_concurrently("ix_big_v", "big")
"""


def _downgrade(root: Path, target: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(BIN / "alembic"), "downgrade", target],
        cwd=root,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def _big(url: str) -> tuple[int, list[str], list[str]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT count(*) FROM big")).scalar()
        columns = [c["name"] for c in inspect(engine).get_columns("big")]
        indexes = [i["name"] or "" for i in inspect(engine).get_indexes("big")]
        return int(rows or 0), columns, indexes
    finally:
        engine.dispose()


def test_minus_one_undoes_the_newest_in_flight_revision_only(tmp_path: Path, pg_url: str) -> None:
    cfg = make_project(tmp_path, pg_url, [("0001", BIG), ("0002", NOTE), ("0003", INDEX)])
    command.upgrade(cfg, "zdm-phase:2")
    assert current_heads(pg_url) == ["0001"]
    assert _big(pg_url) == (200_000, ["id", "v", "note"], ["ix_big_v"])

    first = _downgrade(tmp_path, "-1")
    plan = first.stderr[first.stderr.index("will undo, in this order") :]
    assert plan.index("undo migrate of 0003") < plan.index("undo expand of 0003")
    assert "0002" not in plan and "0001" not in plan
    assert current_heads(pg_url) == ["0001"]
    assert _big(pg_url) == (200_000, ["id", "v", "note"], [])
    rows = state_rows(pg_url)
    assert rows[("0002", "expand")] == rows[("0002", "migrate")] == "done"
    assert rows[("0003", "expand")] == rows[("0003", "migrate")] == "rolled_back"

    second = _downgrade(tmp_path, "-1")
    assert "undo migrate of 0002" in second.stderr and "0001" not in second.stderr
    assert current_heads(pg_url) == ["0001"]
    assert _big(pg_url) == (200_000, ["id", "v"], [])

    third = _downgrade(tmp_path, "-1")  # nothing in flight: now -1 is 0001 itself
    assert "downgrade() of 0001" in third.stderr
    assert current_heads(pg_url) == []


def test_minus_n_counts_in_flight_revisions_before_applied_ones(
    tmp_path: Path, pg_url: str
) -> None:
    cfg = make_project(tmp_path, pg_url, [("0001", BIG), ("0002", NOTE), ("0003", INDEX)])
    command.upgrade(cfg, "zdm-phase:1")
    done = _downgrade(tmp_path, "-2")  # both in-flight revisions, not 0001
    plan = done.stderr[done.stderr.index("will undo, in this order") :]
    assert plan.index("undo expand of 0003") < plan.index("undo expand of 0002")
    assert "0001" not in plan
    assert current_heads(pg_url) == ["0001"]
    assert _big(pg_url) == (200_000, ["id", "v"], [])
