"""A pattern op written once in expand(), carried through the phases by the real runner
(`alembic upgrade zdm-phase:1` / `:2` / `head`) while old and new application code write."""

from __future__ import annotations

import time
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, inspect, text

from alembic_zdm.testing.load import AppWriter
from alembic_zdm.testing.project import make_project

SETUP = """
def upgrade():
    op.execute("CREATE TABLE people (id serial PRIMARY KEY, name text NOT NULL, score int NOT NULL DEFAULT 0)")
    op.execute("INSERT INTO people (name) SELECT 'p' || g FROM generate_series(1, 5000) g")

def downgrade():
    op.execute("DROP TABLE people")
"""

RENAME = """
def expand():
    op.safe_rename_column("people", "name", "full_name")
"""


def Writer(url: str, column: str, rows: range) -> AppWriter:
    """One app version inserting and updating ``people`` through *column* (the load helper)."""
    return AppWriter(url, "people", {column: lambda n: f"{column}-{n}"}, name=column, rows=rows)


def test_safe_rename_column_through_the_runner_under_load(tmp_path: Path, pg_url: str) -> None:
    cfg = make_project(tmp_path, pg_url, [("setup", SETUP), ("rename", RENAME)])
    command.upgrade(cfg, "setup")
    old_app = Writer(pg_url, "name", range(1, 5001, 2))
    old_app.start()
    time.sleep(0.2)

    command.upgrade(cfg, "zdm-phase:1")
    new_app = Writer(
        pg_url, "full_name", range(2, 5001, 2)
    )  # new code may roll out gradually from here on
    new_app.start()
    time.sleep(0.2)
    command.upgrade(cfg, "zdm-phase:2")
    time.sleep(0.2)
    old_app.stop()  # the deploy is complete: no old code left
    command.upgrade(cfg, "head")
    time.sleep(0.2)
    new_app.stop()

    assert old_app.errors == [] and new_app.errors == []
    assert len(old_app.inserted) > 0 and len(new_app.inserted) > 0
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("people")}
        total, missing = conn.execute(
            text("SELECT count(*), count(*) FILTER (WHERE full_name IS NULL) FROM people")
        ).one()
        old_values = conn.execute(
            text("SELECT count(*) FROM people WHERE full_name LIKE 'name-%'")
        ).scalar()
        nullable = [
            c["nullable"] for c in inspect(conn).get_columns("people") if c["name"] == "full_name"
        ]
        current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert columns == {"id", "full_name", "score"}
    assert total == 5000 + len(old_app.inserted) + len(new_app.inserted)  # no row lost
    assert missing == 0
    assert old_values >= len(old_app.inserted)  # every value the old code wrote was carried
    assert nullable == [False]  # NOT NULL moved to the new column
    assert current == "rename"

    # and back down, through every undo step
    command.downgrade(cfg, "setup")
    with engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("people")}
        nulls = conn.execute(text("SELECT count(*) FROM people WHERE name IS NULL")).scalar()
        triggers = conn.execute(
            text(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'people'::regclass AND NOT tgisinternal"
            )
        ).scalar()
    engine.dispose()
    assert columns == {"id", "name", "score"}
    assert nulls == 0
    assert triggers == 0
