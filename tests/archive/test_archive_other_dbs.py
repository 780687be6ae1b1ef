"""Archive before contract on MariaDB (writers running) and SQLite (writes between the
steps): the round trip brings every value back, purge removes the archive, and
``backup = false`` drops as before."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command

from alembic_zdm.archive import list_archives, purge_archives
from alembic_zdm.testing.load import AppWriter, running
from alembic_zdm.testing.project import make_project

from . import scenario


def _round_trip(tmp_path: Path, url: str, archive_schema: str | None, writers: bool) -> None:
    cfg = make_project(tmp_path, url, [("setup", scenario.setup()), ("drop", scenario.drop())])
    command.upgrade(cfg, "zdm-phase:2")
    before_users = scenario.rows(url, "users", ["legacy"])
    before_sessions = scenario.rows(url, "old_sessions", ["user_id", "token"])
    app = AppWriter(url, "users", {"email": lambda n: f"new{n}@x"}, name="new")
    if writers:
        with running(app):
            app.advance()
            command.upgrade(cfg, "head")
            app.advance()
        assert app.errors == []
    else:
        command.upgrade(cfg, "head")
    assert "legacy" not in scenario.columns(url, "users")
    assert "old_sessions" not in scenario.tables(url)
    kept = list_archives(cfg)
    assert [(e.kind, e.source, e.archive_schema) for e in kept] == [
        ("columns", "users.legacy", archive_schema),
        ("table", "old_sessions", archive_schema),
    ]
    assert set(scenario.tables(url, archive_schema)) >= {e.archive_table for e in kept}

    command.downgrade(cfg, "setup")
    after = scenario.rows(url, "users", ["legacy"])
    assert {k: after[k] for k in before_users} == before_users
    assert all(after[k] == ("none",) for k in app.inserted)
    assert scenario.rows(url, "old_sessions", ["user_id", "token"]) == before_sessions
    assert list_archives(cfg) == []

    command.upgrade(cfg, "head")  # again: a new archive, then purged
    assert len(list_archives(cfg)) == 2
    purge_archives(cfg)
    assert list_archives(cfg) == []
    left = scenario.tables(url, archive_schema)
    assert not [t for t in left if t.startswith("zdm_arch_")], left


def test_round_trip_on_mariadb(tmp_path: Path, mysql_url: str) -> None:
    database = mysql_url.rsplit("/", 1)[1].split("?")[0]
    _round_trip(tmp_path, mysql_url, f"{database}_zdm_archive", writers=True)


def test_round_trip_on_sqlite(tmp_path: Path, sqlite_url: str) -> None:
    _round_trip(tmp_path, sqlite_url, None, writers=False)


@pytest.mark.parametrize("db", ["pg_url", "mysql_url", "sqlite_url"])
def test_backup_off_drops_as_before(
    tmp_path: Path, db: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue(db)
    cfg = make_project(tmp_path, url, [("setup", scenario.setup()), ("drop", scenario.drop())])
    cfg.cmd_opts = type("Opts", (), {"x": ["zdm_backup=false"]})()
    command.upgrade(cfg, "head")
    assert "legacy" not in scenario.columns(url, "users")
    assert "old_sessions" not in scenario.tables(url)
    assert list_archives(cfg) == []
    with pytest.raises(Exception, match="without an archive"):
        command.downgrade(cfg, "setup")


HOSTILE = {"users": 'Us"ers %s', "legacy": "leg acy'\"", "sessions": "se$s`ions"}


@pytest.mark.parametrize("db", ["pg_url", "mysql_url", "sqlite_url"])
def test_hostile_identifiers_survive_the_round_trip(
    tmp_path: Path, db: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue(db)
    users, legacy, sessions = HOSTILE["users"], HOSTILE["legacy"], HOSTILE["sessions"]
    revisions = [("setup", scenario.setup(**HOSTILE)), ("drop", scenario.drop(**HOSTILE))]
    cfg = make_project(tmp_path, url, revisions)
    command.upgrade(cfg, "setup")
    before = scenario.rows(url, users, [legacy]), scenario.rows(url, sessions, ["token"])
    command.upgrade(cfg, "head")
    assert legacy not in scenario.columns(url, users)
    assert [e.source for e in list_archives(cfg)] == [f"{users}.{legacy}", sessions]
    command.downgrade(cfg, "setup")
    assert (scenario.rows(url, users, [legacy]), scenario.rows(url, sessions, ["token"])) == before
    assert list_archives(cfg) == []
