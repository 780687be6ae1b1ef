"""History on every database: microsecond timestamps, runs in the order they ran,
state tables of 0.1.0 upgraded in place, and attempts counted per direction."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from alembic_zdm.phases.report import history
from alembic_zdm.testing.project import make_project

# revision ids chosen so that alphabetical order differs from run order
PHASED = """
def expand():
    op.execute("SELECT 1")

def migrate():
    op.execute("SELECT 2")

def undo_migrate():
    op.execute("SELECT 3")

def undo_expand():
    op.execute("SELECT 4")
"""

OLD_STATE_TABLE = """
CREATE TABLE alembic_zdm_state (
    revision VARCHAR(64) NOT NULL, phase INTEGER NOT NULL, phase_name VARCHAR(16) NOT NULL,
    status VARCHAR(16) NOT NULL, started_at {ts}, finished_at {ts}, duration_ms INTEGER,
    error TEXT, checkpoint TEXT, host VARCHAR(255), db_user VARCHAR(128),
    checksum VARCHAR(64), attempts INTEGER NOT NULL, PRIMARY KEY (revision, phase)
)
"""


@pytest.fixture(params=["postgresql", "mysql", "sqlite"])
def url(request: pytest.FixtureRequest) -> str:
    name = {"postgresql": "pg_url", "mysql": "mysql_url", "sqlite": "sqlite_url"}[request.param]
    found: str = request.getfixturevalue(name)
    return found


def test_history_keeps_run_order_and_microseconds(tmp_path: Path, url: str) -> None:
    cfg = make_project(tmp_path, url, [("zz1", PHASED), ("aa2", PHASED)])
    command.upgrade(cfg, "zdm-phase:2")
    rows = history(cfg)
    assert [(r.revision, r.phase.label) for r in rows] == [
        ("zz1", "expand"),
        ("aa2", "expand"),
        ("zz1", "migrate"),
        ("aa2", "migrate"),
    ]
    assert [r.seq for r in rows] == [1, 2, 3, 4]
    started = [r.started_at for r in rows]
    assert all(s is not None for s in started)
    assert any(s.microsecond for s in started if s)  # fractions are stored (4 zeros: 1e-24)
    assert started == sorted(started)


def test_a_state_table_of_0_1_0_is_upgraded_in_place(tmp_path: Path, url: str) -> None:
    engine = sa.create_engine(url)
    ts = "DATETIME" if engine.dialect.name in ("mysql", "mariadb") else "TIMESTAMP"
    with engine.begin() as conn:
        conn.execute(sa.text(OLD_STATE_TABLE.format(ts=ts)))
        conn.execute(
            sa.text(
                "INSERT INTO alembic_zdm_state (revision, phase, phase_name, status, "
                "started_at, attempts) VALUES ('old', 1, 'expand', 'done', :t, 1)"
            ),
            {"t": "2026-01-01 00:00:00"},
        )
    cfg = make_project(tmp_path, url, [("zz1", PHASED)])
    assert [r.revision for r in history(cfg)] == ["old"]  # readable before the upgrade
    command.upgrade(cfg, "zdm-phase:1")
    columns = {c["name"]: c for c in sa.inspect(engine).get_columns("alembic_zdm_state")}
    engine.dispose()
    assert "seq" in columns
    if engine.dialect.name in ("mysql", "mariadb"):
        assert columns["started_at"]["type"].fsp == 6
    rows = history(cfg)
    assert [(r.revision, r.seq) for r in rows] == [("old", None), ("zz1", 1)]


def test_attempts_count_the_current_direction(tmp_path: Path, sqlite_url: str) -> None:
    cfg = make_project(tmp_path, sqlite_url, [("zz1", PHASED)])
    command.upgrade(cfg, "zdm-phase:2")
    command.downgrade(cfg, "zdm-phase:1")  # undo migrate
    undone = {r.phase.label: r for r in history(cfg)}
    assert undone["migrate"].status == "rolled_back" and undone["migrate"].attempts == 1
    command.upgrade(cfg, "zdm-phase:2")
    again = {r.phase.label: r for r in history(cfg)}
    assert again["migrate"].status == "done" and again["migrate"].attempts == 1
    assert again["expand"].attempts == 1
