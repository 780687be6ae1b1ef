"""plan in each database's own terms, row counts it does not know, a plan from an
empty database, and Alembic's header once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from alembic_zdm.cli import main as zdm_main
from alembic_zdm.testing.project import make_project

BIN = Path(sys.executable).parent

SETUP = """
def upgrade():
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(80)),
        sa.Column("team_id", sa.Integer),
    )
    op.create_table("teams", sa.Column("id", sa.Integer, primary_key=True))
"""

CHANGE = """
def expand():
    op.add_index_concurrently("ix_users_name", "users", ["name"])
    op.safe_rename_column("users", "name", "full_name")
    op.add_foreign_key_safe("fk_users_team", "users", "teams", ["team_id"], ["id"])
    op.add_column("users", sa.Column("nick", sa.String(40), nullable=True))
"""


def _plan(tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    cfg = make_project(tmp_path, url, [("setup", SETUP), ("change", CHANGE)])
    # ZDM302 (a PostgreSQL-only hygiene rule) is opt-in: the project turns it on
    (tmp_path / "pyproject.toml").write_text(
        '[tool.alembic_zdm.lint]\nselect = ["ALL", "ZDM302"]\n'
    )
    command.upgrade(cfg, "setup")
    capsys.readouterr()
    assert zdm_main(["-c", str(tmp_path / "alembic.ini"), "plan", "--format", "json"]) == 0
    report: dict[str, Any] = json.loads(capsys.readouterr().out)
    return report


def _statements(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [st for step in report["steps"] for st in step["statements"]]


def _lint(report: dict[str, Any]) -> list[str]:
    return [finding for step in report["steps"] for finding in step["lint"]]


PG_LEVELS = ("ACCESS EXCLUSIVE", "SHARE UPDATE EXCLUSIVE", "SHARE ROW EXCLUSIVE", "ROW EXCLUSIVE")


def test_plan_on_mariadb_speaks_of_algorithm_lock_and_metadata_lock(
    tmp_path: Path, mysql_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    report = _plan(tmp_path, mysql_url, capsys)
    assert report["dialect"] == "mysql"
    locks = [st["lock"] for st in _statements(report)]
    index = next(st for st in _statements(report) if "ADD INDEX" in st["sql"])
    assert index["lock"] == "INPLACE, LOCK=NONE: writes go on, metadata lock"
    assert index["scans"] and not index["rewrites"]
    assert any(lock.startswith("metadata lock") for lock in locks)  # the triggers
    assert not [lock for lock in locks if lock in PG_LEVELS or lock == "SHARE"]
    assert not [f for f in _lint(report) if "PostgreSQL" in f]


def test_plan_on_sqlite_speaks_of_the_database_write_lock_and_rebuilds(
    tmp_path: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    report = _plan(tmp_path, sqlite_url, capsys)
    statements = _statements(report)
    assert {st["lock"].split(",")[0] for st in statements if st["lock"] != "none"} == {
        "database write lock"
    }
    rebuild = next(st for st in statements if st["kind"] == "table rebuild")
    assert rebuild["table"] == "users" and rebuild["rewrites"]
    assert not [f for f in _lint(report) if "PostgreSQL" in f]
    assert not [s for s in report["steps"] if s["error"]]


def test_plan_on_postgresql_keeps_its_lock_names_and_advice(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # ZDM302 (varchar(n) on PostgreSQL) is a style rule, off unless the project names it
    (tmp_path / "pyproject.toml").write_text(
        '[tool.alembic_zdm.lint]\nselect = ["ALL", "ZDM302"]\n', encoding="utf-8"
    )
    report = _plan(tmp_path, pg_url, capsys)
    locks = {st["lock"] for st in _statements(report)}
    assert "SHARE UPDATE EXCLUSIVE" in locks
    # the same revision that got no PostgreSQL advice on the other databases gets it here
    assert any("ZDM302" in f and "PostgreSQL" in f for f in _lint(report))


NEVER_ANALYSED = """
def upgrade():
    op.execute("CREATE TABLE users (id serial PRIMARY KEY, name text)")
    op.execute("INSERT INTO users (name) SELECT 'u' || g FROM generate_series(1, 5002) g")
"""

RENAME = """
def expand():
    op.safe_rename_column("users", "name", "full_name", existing_type=sa.Text())
"""


def test_rows_of_a_never_analysed_table_are_unknown_not_zero(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = make_project(tmp_path, pg_url, [("setup", NEVER_ANALYSED), ("change", RENAME)])
    command.upgrade(cfg, "setup")
    ini = str(tmp_path / "alembic.ini")
    capsys.readouterr()
    assert zdm_main(["-c", ini, "plan", "--format", "json"]) == 0
    add = next(st for st in _statements(json.loads(capsys.readouterr().out)) if st["table"])
    assert add["estimated_rows"] is None and add["rows_unknown"] is True
    assert zdm_main(["-c", ini, "plan"]) == 0
    out = capsys.readouterr().out
    assert "~0 rows" not in out
    assert "(rows unknown: never analysed; ANALYZE users to estimate)" in out
    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE users"))
    engine.dispose()
    assert zdm_main(["-c", ini, "plan"]) == 0
    assert "users (~5,002 rows)" in capsys.readouterr().out


def test_plan_from_an_empty_database_plans_tables_earlier_phases_create(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    make_project(tmp_path, pg_url, [("setup", SETUP), ("change", CHANGE)])
    capsys.readouterr()
    assert zdm_main(["-c", str(tmp_path / "alembic.ini"), "plan", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["connected"] is True
    errors = [s["error"] for s in report["steps"] if s["error"]]
    # the table does not exist yet: the index and the foreign key are planned, and the
    # rename, whose type nothing knows, says in a sentence what to add (not just "users")
    assert errors == [
        "safe_rename_column on users.name cannot render offline SQL: no database to read "
        "the column type from and no users.name in target_metadata or the models setting; "
        "pass existing_type=… (e.g. existing_type=sa.Text()) to safe_rename_column."
    ]
    assert any("ix_users_name" in st["sql"] for st in _statements(report))
    write = tmp_path / "migrations" / "versions" / "change.py"
    write.write_text(
        write.read_text().replace('"full_name")', '"full_name", existing_type=sa.Text())')
    )
    assert zdm_main(["-c", str(tmp_path / "alembic.ini"), "plan", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [s["error"] for s in report["steps"] if s["error"]] == []
    assert any("ADD COLUMN full_name TEXT" in st["sql"] for st in _statements(report))


def test_plan_prints_alembics_header_once_and_says_why_it_is_not_connected(
    tmp_path: Path, pg_url: str
) -> None:
    make_project(tmp_path, pg_url, [("setup", SETUP)])
    env = {k: v for k, v in os.environ.items() if k != "ALEMBIC_CONFIG"}
    done = subprocess.run(
        [str(BIN / "alembic-zdm"), "plan"], cwd=tmp_path, capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("Context impl PostgresqlImpl") == 1
    assert done.stdout.startswith("current: (base)")
    ini = tmp_path / "alembic.ini"
    ini.write_text(ini.read_text().replace(pg_url.rsplit("/", 1)[1], "zdm_no_such_db"))
    done = subprocess.run(
        [str(BIN / "alembic-zdm"), "plan"], cwd=tmp_path, capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    first = done.stdout.splitlines()[0]
    assert first.startswith("not connected (") and "zdm_no_such_db" in first
    assert first.endswith("planned from base, offline")
