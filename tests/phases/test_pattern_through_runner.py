"""A pattern op written once in expand(), carried through the phases by the real runner
(`alembic upgrade zdm-phase:1` / `:2` / `head`) while old and new application code write."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, inspect, text

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


class Writer(threading.Thread):
    """Inserts and updates in a loop through one column name, counting errors."""

    def __init__(self, url: str, column: str) -> None:
        super().__init__(daemon=True)
        self.engine = create_engine(url, isolation_level="AUTOCOMMIT")
        self.column = column
        self.stop = threading.Event()
        self.errors: list[str] = []
        self.inserted = 0

    def run(self) -> None:
        n = 0
        with self.engine.connect() as conn:
            while not self.stop.is_set():
                n += 1
                try:
                    conn.execute(
                        text(f"INSERT INTO people ({self.column}) VALUES (:v)"),
                        {"v": f"{self.column}-{n}"},
                    )
                    self.inserted += 1
                    conn.execute(
                        text(
                            f"UPDATE people SET {self.column} = :v, score = score + 1 WHERE id = :id"
                        ),
                        {"v": f"{self.column}-upd-{n}", "id": n % 5000 + 1},
                    )
                except Exception as exc:
                    self.errors.append(str(exc).splitlines()[0])
                time.sleep(0.001)
        self.engine.dispose()

    def finish(self) -> None:
        self.stop.set()
        self.join(timeout=30)


def test_safe_rename_column_through_the_runner_under_load(tmp_path: Path, pg_url: str) -> None:
    cfg = make_project(tmp_path, pg_url, [("setup", SETUP), ("rename", RENAME)])
    command.upgrade(cfg, "setup")
    old_app = Writer(pg_url, "name")
    old_app.start()
    time.sleep(0.2)

    command.upgrade(cfg, "zdm-phase:1")
    new_app = Writer(pg_url, "full_name")  # new code may roll out gradually from here on
    new_app.start()
    time.sleep(0.2)
    command.upgrade(cfg, "zdm-phase:2")
    time.sleep(0.2)
    old_app.finish()  # the deploy is complete: no old code left
    command.upgrade(cfg, "head")
    time.sleep(0.2)
    new_app.finish()

    assert old_app.errors == [] and new_app.errors == []
    assert old_app.inserted > 0 and new_app.inserted > 0
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
    assert total == 5000 + old_app.inserted + new_app.inserted  # no row lost
    assert missing == 0
    assert old_values >= old_app.inserted  # every value the old code wrote was carried
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
