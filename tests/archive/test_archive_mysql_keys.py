"""MariaDB: an archived table's foreign keys (from it, into it, to itself) come back on
restore, as they were, enforced; a row written meanwhile that breaks one stops the
restore with a sentence naming the key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from alembic_zdm.archive import list_archives
from alembic_zdm.testing.project import make_project

SETUP = """
def upgrade():
    op.create_table("users", sa.Column("id", sa.Integer, primary_key=True))
    op.create_table(
        "old_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", name="fk_user", ondelete="CASCADE")),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("old_sessions.id", name="fk_parent")),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.Integer, sa.ForeignKey("old_sessions.id", name="fk_session")),
    )
    op.execute("INSERT INTO users (id) VALUES (1), (2)")
    op.execute("INSERT INTO old_sessions (id, user_id, parent_id) VALUES (1, 1, NULL), (2, 2, 1)")
    op.execute("INSERT INTO events (id, session_id) VALUES (1, 1), (2, 2)")

def downgrade():
    op.drop_table("events")
    op.drop_table("old_sessions")
    op.drop_table("users")
"""

DROP = """
def expand():
    op.safe_drop_table("old_sessions")
"""


def _keys(url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            insp = sa.inspect(conn)
            return {
                t: sorted(
                    (
                        fk["name"],
                        tuple(fk["constrained_columns"]),
                        fk["referred_table"],
                        tuple(fk["referred_columns"]),
                        fk.get("options", {}).get("ondelete"),
                    )
                    for fk in insp.get_foreign_keys(t)
                )  # fmt: skip
                for t in insp.get_table_names()
                if t in ("users", "old_sessions", "events")
            }
    finally:
        engine.dispose()


def _execute(url: str, sql: str) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(sql)
    finally:
        engine.dispose()


def test_foreign_keys_come_back_on_restore(tmp_path: Path, mysql_url: str) -> None:
    cfg = make_project(tmp_path, mysql_url, [("setup", SETUP), ("drop", DROP)])
    command.upgrade(cfg, "setup")
    before = _keys(mysql_url)
    assert len(before["old_sessions"]) == 2 and len(before["events"]) == 1
    command.upgrade(cfg, "head")
    assert "old_sessions" not in _keys(mysql_url) and _keys(mysql_url)["events"] == []
    (entry,) = list_archives(cfg)
    assert sorted(fk["name"] for fk in entry.detail["foreign_keys"]) == [
        "fk_parent", "fk_session", "fk_user",
    ]  # fmt: skip

    command.downgrade(cfg, "setup")
    assert _keys(mysql_url) == before
    with pytest.raises(sa.exc.IntegrityError):  # enforced again
        _execute(mysql_url, "INSERT INTO events (id, session_id) VALUES (3, 999)")
    with pytest.raises(sa.exc.IntegrityError):  # session 2 still has an event
        _execute(mysql_url, "DELETE FROM users WHERE id = 2")
    _execute(mysql_url, "DELETE FROM events WHERE id = 2")
    _execute(mysql_url, "DELETE FROM users WHERE id = 2")  # ON DELETE CASCADE is back
    engine = sa.create_engine(mysql_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT id FROM old_sessions").scalars().all() == [1]
    engine.dispose()


def test_a_row_written_meanwhile_that_breaks_a_key_stops_the_restore(
    tmp_path: Path, mysql_url: str
) -> None:
    cfg = make_project(tmp_path, mysql_url, [("setup", SETUP), ("drop", DROP)])
    command.upgrade(cfg, "head")
    _execute(mysql_url, "INSERT INTO events (id, session_id) VALUES (3, 999)")  # no key now
    with pytest.raises(Exception, match="Foreign key 'fk_session' of 'events' is restored, but"):
        command.downgrade(cfg, "setup")
