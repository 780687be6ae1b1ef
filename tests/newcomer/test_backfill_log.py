"""Two backfills of one table in one revision log lines that name their columns."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from alembic import command

from alembic_zdm.testing.project import make_project

SETUP = """
def upgrade():
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text),
        sa.Column("a", sa.Text),
        sa.Column("b", sa.Text),
    )
    op.execute("INSERT INTO users (id, name) VALUES (1, 'x'), (2, 'y'), (3, 'z')")
"""

TWO_BACKFILLS = """
def migrate():
    op.backfill("users", set={"a": "name"}, where="a IS NULL")
    op.backfill("users", set={"b": "name", "a": "name"})
"""


def test_each_backfill_line_names_its_columns(
    tmp_path: Path, sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    cfg = make_project(tmp_path, sqlite_url, [("setup", SETUP), ("fill", TWO_BACKFILLS)])
    ini = tmp_path / "alembic.ini"  # no logging sections: env.py leaves caplog's handler alone
    ini.write_text(ini.read_text().split("[loggers]")[0])
    with caplog.at_level(logging.INFO, logger="alembic.zdm.backfill"):
        command.upgrade(cfg, "head")
    lines = [r.getMessage() for r in caplog.records if r.name == "alembic.zdm.backfill"]
    assert [line.split(":")[0] for line in lines] == ["backfill users.a", "backfill users (b, a)"]
    assert all("3 rows" in line for line in lines)
