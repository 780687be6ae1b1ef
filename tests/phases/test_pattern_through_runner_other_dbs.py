"""The same pattern op through the real runner on MariaDB (with live old- and new-app
writers) and on SQLite (one writer: writes between the phases)."""

from __future__ import annotations

import time
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, inspect, text

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


def test_safe_rename_column_through_the_runner_on_mariadb(tmp_path: Path, mysql_url: str) -> None:
    cfg = make_project(tmp_path, mysql_url, [("setup", SETUP), ("rename", RENAME)])
    command.upgrade(cfg, "setup")
    old_app = Writer(mysql_url, "name", range(1, 5001, 2))
    old_app.start()
    time.sleep(0.2)
    command.upgrade(cfg, "zdm-phase:1")
    new_app = Writer(mysql_url, "full_name", range(2, 5001, 2))
    new_app.start()
    time.sleep(0.2)
    command.upgrade(cfg, "zdm-phase:2")
    time.sleep(0.2)
    old_app.stop()
    command.upgrade(cfg, "head")
    time.sleep(0.2)
    new_app.stop()

    assert old_app.errors == [] and new_app.errors == []
    assert len(old_app.inserted) > 0 and len(new_app.inserted) > 0
    assert _columns(mysql_url) == {"id", "full_name", "score"}
    total, missing = _counts(mysql_url)
    assert total == 5000 + len(old_app.inserted) + len(new_app.inserted)
    assert missing == 0

    command.downgrade(cfg, "setup")
    assert _columns(mysql_url) == {"id", "name", "score"}
    assert _name_column(mysql_url) == (False, None)  # NOT NULL, no default: as before


def test_safe_rename_column_through_the_runner_on_sqlite(tmp_path: Path, sqlite_url: str) -> None:
    cfg = make_project(tmp_path, sqlite_url, [("setup", SETUP), ("rename", RENAME)])
    command.upgrade(cfg, "setup")
    engine = create_engine(sqlite_url)

    def write(sql: str, value: str) -> None:
        with engine.begin() as conn:
            conn.execute(text(sql), {"v": value})

    command.upgrade(cfg, "zdm-phase:1")
    write("INSERT INTO people (name) VALUES (:v)", "old-code")  # old code still works
    write("INSERT INTO people (full_name) VALUES (:v)", "new-code")  # and new code too
    write("UPDATE people SET name = :v WHERE id = 1", "renamed-by-old")
    command.upgrade(cfg, "zdm-phase:2")
    write("UPDATE people SET full_name = :v WHERE id = 2", "renamed-by-new")
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        rows = dict(
            conn.execute(
                text("SELECT id, full_name FROM people WHERE id IN (1, 2, 5001, 5002)")
            ).all()
        )
    engine.dispose()
    assert rows == {1: "renamed-by-old", 2: "renamed-by-new", 5001: "old-code", 5002: "new-code"}
    assert _columns(sqlite_url) == {"id", "full_name", "score"}
    assert _counts(sqlite_url) == (5002, 0)

    command.downgrade(cfg, "setup")
    assert _columns(sqlite_url) == {"id", "name", "score"}
    assert _name_column(sqlite_url) == (False, None)  # NOT NULL again


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
