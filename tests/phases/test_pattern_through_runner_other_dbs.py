"""The same pattern op through the real runner on MariaDB and SQLite, with live old- and
new-app writers through every phase (on SQLite they wait for the migration's write
lock, which it takes up front: ``BEGIN IMMEDIATE``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text

from alembic_zdm.testing.load import running
from alembic_zdm.testing.project import make_project

from .test_pattern_through_runner import Writer

SETUP = """
def upgrade():
    op.create_table(
        "people",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("score", sa.Integer, nullable=False, server_default="0"),
    )
    op.bulk_insert(
        sa.table("people", sa.column("name", sa.String)),
        [{"name": f"p{i}"} for i in range(1, 5001)],
    )

def downgrade():
    op.drop_table("people")
"""

RENAME = """
def expand():
    op.safe_rename_column("people", "name", "full_name")
"""


def _columns(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {c["name"] for c in inspect(conn).get_columns("people")}
    finally:
        engine.dispose()


def _name_column(url: str) -> tuple[bool, object]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            col = next(c for c in inspect(conn).get_columns("people") if c["name"] == "name")
            return col["nullable"], col.get("default")
    finally:
        engine.dispose()


def _counts(url: str) -> tuple[int, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return tuple(  # type: ignore[return-value]
                conn.execute(
                    text(
                        "SELECT count(*), sum(CASE WHEN full_name IS NULL THEN 1 ELSE 0 END) FROM people"
                    )
                ).one()
            )
    finally:
        engine.dispose()


@pytest.mark.parametrize("db", ["mysql", "sqlite"])
def test_safe_rename_column_through_the_runner_under_load(
    tmp_path: Path, db: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue(f"{db}_url")
    cfg = make_project(tmp_path, url, [("setup", SETUP), ("rename", RENAME)])
    command.upgrade(cfg, "setup")
    old_app = Writer(url, "name", range(1, 5001, 2))
    new_app = Writer(url, "full_name", range(2, 5001, 2))
    with running(old_app):
        old_app.advance()
        command.upgrade(cfg, "zdm-phase:1")
        with running(new_app):  # new code may roll out gradually from here on
            new_app.advance()
            command.upgrade(cfg, "zdm-phase:2")
            old_app.advance()
            old_app.stop()  # the deploy is complete: no old code left
            command.upgrade(cfg, "head")
            new_app.advance()

    assert old_app.errors == [] and new_app.errors == []
    assert len(old_app.inserted) > 0 and len(new_app.inserted) > 0
    assert _columns(url) == {"id", "full_name", "score"}
    total, missing = _counts(url)
    assert total == 5000 + len(old_app.inserted) + len(new_app.inserted)
    assert missing == 0

    command.downgrade(cfg, "setup")
    assert _columns(url) == {"id", "name", "score"}
    assert _name_column(url) == (False, None)  # NOT NULL, no default: as before


SPLIT = """
def expand():
    op.split_column(
        "people",
        "name",
        [sa.Column("first", sa.String(50)), sa.Column("last", sa.String(50))],
        forward={"first": "SUBSTRING_INDEX(name, ' ', 1)", "last": "SUBSTRING_INDEX(name, ' ', -1)"},
        backward="CONCAT(first, ' ', last)",
        existing_type=sa.String(100),
    )
"""

NAMED = SETUP.replace('[{"name": f"p{i}"}', '[{"name": f"f{i} l{i}"}')


def test_split_column_with_not_null_source_on_mariadb(tmp_path: Path, mysql_url: str) -> None:
    """New code writes only the new columns while the old one is NOT NULL without a
    default; rolling back expand restores the old column exactly."""
    from alembic_zdm.phases.commands import rollback

    cfg = make_project(tmp_path, mysql_url, [("setup", NAMED), ("split", SPLIT)])
    command.upgrade(cfg, "zdm-phase:1")
    engine = create_engine(mysql_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO people (first, last) VALUES ('new', 'code')"))
        conn.execute(text("INSERT INTO people (name) VALUES ('old code')"))
    rollback(cfg)
    assert _columns(mysql_url) == {"id", "name", "score"}
    assert _name_column(mysql_url) == (False, None)  # NOT NULL, no default: as before
    with engine.connect() as conn:
        names = (
            conn.execute(text("SELECT name FROM people WHERE id > 5000 ORDER BY id"))
            .scalars()
            .all()
        )
    assert names == ["new code", "old code"]

    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT first, last FROM people WHERE id > 5000 ORDER BY id")
        ).all()
        seventh = conn.execute(text("SELECT first, last FROM people WHERE id = 7")).one()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("new", "code"), ("old", "code")]
    assert tuple(seventh) == ("f7", "l7")
    assert _columns(mysql_url) == {"id", "first", "last", "score"}
