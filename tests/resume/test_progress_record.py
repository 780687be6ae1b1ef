"""The progress record itself: what is recorded, what counts as "already there", and
the in-place upgrade of a state table made by an earlier release."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, inspect, text

from alembic_zdm.phases.progress import _recordable, already_there, fingerprint
from alembic_zdm.testing.project import make_project


class _Ctx:
    from sqlalchemy.dialects import postgresql

    dialect = postgresql.dialect()


def test_reads_and_settings_are_not_recorded_changes_are() -> None:
    from sqlalchemy import column, select, table

    ctx = _Ctx()
    assert _recordable("SET LOCAL lock_timeout = '500ms'", ctx) is None
    assert _recordable("  select 1", ctx) is None
    assert _recordable(select(column("a")).select_from(table("t")), ctx) is None
    assert _recordable("ALTER TABLE t ADD COLUMN c int", ctx) == "ALTER TABLE t ADD COLUMN c int"
    assert _recordable(text("UPDATE t SET c = 1"), ctx) == "UPDATE t SET c = 1"


def test_a_fingerprint_covers_the_values_too() -> None:
    sql = "INSERT INTO log (entry) VALUES (:e)"
    assert fingerprint(sql, {"e": "a"}) == fingerprint(sql, {"e": "a"})
    assert fingerprint(sql, {"e": "a"}) != fingerprint(sql, {"e": "b"})
    assert fingerprint(sql) == fingerprint(sql, {})


def test_already_there_errors_per_database() -> None:
    class PgError(Exception):
        sqlstate = "42701"  # duplicate_column

    class OtherPg(Exception):
        sqlstate = "23505"  # unique_violation: data, never "already done"

    assert already_there("postgresql", PgError())
    assert not already_there("postgresql", OtherPg())
    assert already_there("mysql", Exception(1060, "Duplicate column name 'x'"))
    assert not already_there("mysql", Exception(1205, "Lock wait timeout exceeded"))
    assert already_there("sqlite", Exception("duplicate column name: x"))
    wrapped = RuntimeError("translated")
    wrapped.__cause__ = PgError()
    assert already_there("postgresql", wrapped)


OLD_TABLE = (
    "CREATE TABLE alembic_zdm_state (revision VARCHAR(64) NOT NULL, phase INTEGER NOT NULL, "
    "phase_name VARCHAR(16) NOT NULL, status VARCHAR(16) NOT NULL, started_at DATETIME, "
    "finished_at DATETIME, duration_ms INTEGER, error TEXT, checkpoint TEXT, host VARCHAR(255), "
    "db_user VARCHAR(128), checksum VARCHAR(64), attempts INTEGER NOT NULL, "
    "PRIMARY KEY (revision, phase))"
)

ITEMS = """
def upgrade():
    op.create_table("items", sa.Column("id", sa.Integer, primary_key=True))

def downgrade():
    op.drop_table("items")
"""

PHASED = """
def expand():
    op.add_column("items", sa.Column("note", sa.String(20)))

def undo_expand():
    op.drop_column("items", "note")
"""


def test_a_state_table_of_the_first_release_is_upgraded_in_place(
    tmp_path: Path, sqlite_url: str
) -> None:
    cfg = make_project(tmp_path, sqlite_url, [("items", ITEMS), ("note", PHASED)])
    command.upgrade(cfg, "items")
    engine = create_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(text(OLD_TABLE))
        conn.execute(
            text(
                "INSERT INTO alembic_zdm_state (revision, phase, phase_name, status, attempts) "
                "VALUES ('older', 1, 'expand', 'done', 1)"
            )
        )
    from alembic_zdm.phases.report import history

    assert [r.revision for r in history(cfg)] == ["older"]  # readable before the upgrade
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("alembic_zdm_state")}
        rows = conn.execute(text("SELECT revision, status, progress FROM alembic_zdm_state")).all()
    engine.dispose()
    assert "progress" in columns
    assert {tuple(r) for r in rows} == {("note", "done", None), ("older", "done", None)}


def test_an_invalid_index_of_a_plain_concurrent_build_is_dropped_hostile_names_too(
    pg_url: str,
) -> None:
    """A failed ``CREATE UNIQUE INDEX CONCURRENTLY`` leaves an INVALID index: the next
    build of that name must drop it first, whatever the quoting of index and table."""
    from alembic_zdm.phases.progress import drop_invalid_build

    engine = create_engine(pg_url)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql('CREATE SCHEMA "s ""q"""')
            conn.exec_driver_sql('CREATE TABLE "s ""q"""."t; --" (v int)')
            conn.exec_driver_sql('INSERT INTO "s ""q"""."t; --" VALUES (1), (1)')
            build = 'CREATE UNIQUE INDEX CONCURRENTLY "ix ""x""" ON "s ""q"""."t; --" (v)'
            try:
                conn.exec_driver_sql(build)
            except Exception:
                pass
            invalid = "SELECT count(*) FROM pg_index WHERE NOT indisvalid"
            assert conn.execute(text(invalid)).scalar() == 1
            other = 'CREATE INDEX CONCURRENTLY "ix_other" ON "s ""q"""."t; --" (v)'
            assert drop_invalid_build(conn, other) is False  # another name: kept
            assert drop_invalid_build(conn, "CREATE INDEX ix ON t (v)") is False
            assert drop_invalid_build(conn, build) is True
            assert conn.execute(text(invalid)).scalar() == 0
            conn.exec_driver_sql('DELETE FROM "s ""q"""."t; --"')
            conn.exec_driver_sql(build)  # builds now, no "already exists"
            assert conn.execute(text(invalid)).scalar() == 0
    finally:
        engine.dispose()
