"""Archive before contract on PostgreSQL: drop a column and a table with writers running,
roll back, and every value is back; purge; backup = false drops as before."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command

from alembic_zdm.archive import list_archives, purge_archives
from alembic_zdm.testing.load import AppWriter, running
from alembic_zdm.testing.project import make_project

from . import scenario


def _catalog_facts(url: str) -> dict[str, object]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            insp = sa.inspect(conn)
            return {
                "indexes": sorted(i["name"] for i in insp.get_indexes("old_sessions")),
                "fks": sorted(
                    tuple(fk["referred_columns"]) for fk in insp.get_foreign_keys("old_sessions")
                ),
                "pk": insp.get_pk_constraint("old_sessions")["constrained_columns"],
            }
    finally:
        engine.dispose()


def test_round_trip_with_writers(tmp_path: Path, pg_url: str) -> None:
    cfg = make_project(tmp_path, pg_url, [("setup", scenario.setup()), ("drop", scenario.drop())])
    command.upgrade(cfg, "setup")
    facts = _catalog_facts(pg_url)
    command.upgrade(cfg, "zdm-phase:2")
    before_users = scenario.rows(pg_url, "users", ["email", "legacy"])
    before_sessions = scenario.rows(pg_url, "old_sessions", ["user_id", "token"])

    app = AppWriter(pg_url, "users", {"email": lambda n: f"new{n}@x"}, name="new")
    with running(app):
        app.advance()
        command.upgrade(cfg, "head")
        app.advance()
    assert app.errors == []
    assert "legacy" not in scenario.columns(pg_url, "users")
    assert "old_sessions" not in scenario.tables(pg_url)
    kept = list_archives(cfg)
    assert [(e.kind, e.source) for e in kept] == [
        ("columns", "users.legacy"),
        ("table", "old_sessions"),
    ]
    assert (
        kept[0].rows is not None
        and kept[0].rows >= scenario.ROWS
        and kept[0].bytes
        and kept[0].bytes > 0
    )
    assert {e.archive_schema for e in kept} == {"zdm_archive"}

    later = AppWriter(pg_url, "users", {"email": lambda n: f"later{n}@x"}, name="later")
    with running(later):
        later.advance()
        command.downgrade(cfg, "setup")
        later.advance()
    assert later.errors == []
    after = scenario.rows(pg_url, "users", ["email", "legacy"])
    assert {k: after[k][1] for k in before_users} == {k: v[1] for k, v in before_users.items()}
    for key in [*app.inserted, *later.inserted]:
        assert after[key][1] == "none"  # the column's default: nothing wrote it
    assert scenario.rows(pg_url, "old_sessions", ["user_id", "token"]) == before_sessions
    assert _catalog_facts(pg_url) == facts
    assert list_archives(cfg) == []
    assert scenario.tables(pg_url, "zdm_archive") == {"zdm_archive_catalog"}


def test_purge_and_backup_off(tmp_path: Path, pg_url: str) -> None:
    cfg = make_project(tmp_path, pg_url, [("setup", scenario.setup()), ("drop", scenario.drop())])
    command.upgrade(cfg, "head")
    kept = list_archives(cfg)
    assert len(kept) == 2
    assert purge_archives(cfg, dry_run=True) == kept
    assert len(scenario.tables(pg_url, "zdm_archive")) == 3
    assert purge_archives(cfg) == kept
    assert scenario.tables(pg_url, "zdm_archive") == {"zdm_archive_catalog"}
    assert list_archives(cfg) == []
