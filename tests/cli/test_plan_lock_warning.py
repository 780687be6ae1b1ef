"""plan warns about a step that takes write-blocking locks on two tables (DESIGN §13)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic import command

from alembic_zdm.cli import main as zdm_main
from alembic_zdm.testing.project import make_project

SETUP = """
def upgrade():
    op.execute("CREATE TABLE p (id serial PRIMARY KEY)")
    op.execute("CREATE TABLE t (id serial PRIMARY KEY, p_id int)")

def downgrade():
    op.execute("DROP TABLE t")
    op.execute("DROP TABLE p")
"""

TWO_TABLES = """
def expand():
    op.add_column("t", sa.Column("note", sa.Text(), nullable=True))
    op.add_foreign_key_safe("fk_t_p", "t", "p", ["p_id"], ["id"])

def undo_expand():
    op.drop_constraint("fk_t_p", "t")
    op.drop_column("t", "note")
"""

ONE_FK = """
def expand():
    op.add_foreign_key_safe("fk_t_p", "t", "p", ["p_id"], ["id"])

def undo_expand():
    op.drop_constraint("fk_t_p", "t")
"""


def _plan(tmp_path: Path, pg_url: str, body: str, capsys: pytest.CaptureFixture[str]) -> dict:
    cfg = make_project(tmp_path, pg_url, [("setup", SETUP), ("change", body)])
    command.upgrade(cfg, "setup")
    capsys.readouterr()
    assert zdm_main(["-c", str(tmp_path / "alembic.ini"), "plan", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    return {s["phase"]: s for s in report["steps"]}


@pytest.mark.postgresql
def test_a_step_locking_two_tables_is_warned_about(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    steps = _plan(tmp_path, pg_url, TWO_TABLES, capsys)
    (warning,) = steps["expand"]["warnings"]
    assert warning.startswith("this step takes write-blocking locks on 2 tables (t, p)")
    assert steps["migrate"]["warnings"] == []  # VALIDATE blocks no writes


@pytest.mark.postgresql
def test_a_lone_foreign_key_is_not_warned_about(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    steps = _plan(tmp_path, pg_url, ONE_FK, capsys)
    assert steps["expand"]["warnings"] == []
