"""``safe_change_column_type`` text → integer never breaks the old application.

On PostgreSQL, MariaDB and SQLite, with the old application writing through the
whole expand phase (values that convert and values that do not):

* existing rows that do not convert stop expand before it changes anything, naming
  the rows' keys and values;
* after expand, the old application's ``INSERT … VALUES ('xyz')`` succeeds (0 writer
  errors): the shadow gets NULL, and the migrate phase's check fails naming the
  keys; once the rows are fixed, migrate and contract complete;
* with ``fallback=``, such values get the fallback and the phases go on.
"""

from __future__ import annotations

import re
from typing import Any

import alembic  # noqa: F401  (plugin first)
import pytest
import sqlalchemy as sa

from alembic_zdm.errors import BackfillVerificationError, SchemaObjectError
from alembic_zdm.ops.base import CollectingOperations
from alembic_zdm.phases.model import Phase
from alembic_zdm.testing.load import AppWriter, running

from ..mysql.harness import Migration

KEY = {
    "postgresql": "id serial PRIMARY KEY",
    "mysql": "id int AUTO_INCREMENT PRIMARY KEY",
    "sqlite": "id INTEGER PRIMARY KEY",
}
ROWS = 200


@pytest.fixture(params=["postgresql", "mysql", "sqlite"])
def db(request: pytest.FixtureRequest) -> tuple[str, str]:
    fixture = "pg_url" if request.param == "postgresql" else f"{request.param}_url"
    return request.param, request.getfixturevalue(fixture)


def _setup(db: str, mig: Migration, bad_ids: tuple[int, ...] = ()) -> None:
    mig.sql(f"CREATE TABLE t5 ({KEY[db]}, val varchar(20))")
    for i in range(1, ROWS + 1):
        mig.sql("INSERT INTO t5 (val) VALUES (:v)", v="xyz" if i in bad_ids else str(i))


def _change(fallback: str | None = None) -> Any:
    return lambda op: op.safe_change_column_type(
        "t5", "val", sa.Integer(), existing_type=sa.String(20), fallback=fallback
    )


def _op(mig: Migration, expand: Any) -> Any:
    collector = CollectingOperations(mig.ctx)
    expand(collector)
    return collector.pattern_ops[0]


def _zdm_objects(mig: Migration, db: str) -> list[Any]:
    query = {
        "postgresql": "SELECT proname FROM pg_proc WHERE proname LIKE 'zdm%' "
        "UNION ALL SELECT tgname FROM pg_trigger WHERE tgname LIKE 'zdm%'",
        "mysql": "SELECT routine_name FROM information_schema.routines "
        "WHERE routine_schema = DATABASE() UNION ALL SELECT trigger_name FROM "
        "information_schema.triggers WHERE trigger_schema = DATABASE()",
        "sqlite": "SELECT name FROM sqlite_master WHERE type = 'trigger'",
    }[db]
    return mig.sql(query)


def test_existing_rows_that_do_not_convert_stop_expand_first(db: tuple[str, str]) -> None:
    name, url = db
    mig = Migration(url)
    try:
        _setup(name, mig, bad_ids=(3, 17))
        before = mig.columns("t5")
        with pytest.raises(
            SchemaObjectError,
            match=r"Cannot change the type of t5\.val: 2 row\(s\) of t5\.val already do not "
            r"convert to INTEGER \(key 3: 'xyz', key 17: 'xyz'\); fix those rows first",
        ):
            mig.expand(_change())
        mig._commit()
        assert mig.columns("t5") == before
        assert _zdm_objects(mig, name) == []
    finally:
        mig.close()


def test_old_app_writes_what_it_likes_and_migrate_names_the_keys(db: tuple[str, str]) -> None:
    name, url = db
    mig = Migration(url)
    state = {"bad": False}
    old = AppWriter(
        url,
        "t5",
        {"val": lambda n: f"x{n}" if state["bad"] and n % 3 == 0 else str(n)},
        name="old",
        rows=range(1, ROWS + 1),
    )
    try:
        _setup(name, mig)
        op = _op(mig, _change())
        with running(old):
            old.advance()
            if name == "sqlite":
                old.pause()  # SQLite: one writer at a time (see test_writers_every_op)
            mig.expand(_change())
            old.resume()
            state["bad"] = True
            old.advance(60)  # the old app writes 'x<n>' after expand
            state["bad"] = False
            old.pause()  # so the rows the check names are the rows we read
            assert old.errors == []
            with pytest.raises(BackfillVerificationError) as caught:
                mig.phase(op, Phase.MIGRATE)
            message = str(caught.value)
            bad_now = {i for i, v in mig.sql("SELECT id, val FROM t5") if v.startswith("x")}
            old.resume()
            assert bad_now, "the writer wrote no value that does not convert"
            named = {int(k) for k in re.findall(r"key (\d+): 'x\d+'", message)}
            assert named and named <= bad_now
            assert f"{len(bad_now)} row(s) of t5.val do not convert to INTEGER" in message
            mig.sql("UPDATE t5 SET val = '0' WHERE val LIKE 'x%'")  # fixed: the trigger converts
            if name == "sqlite":
                old.pause()
            mig.phase(op, Phase.MIGRATE)
            old.resume()
            old.advance()
        # Contract gives the column its new type: code that writes text is gone by then.
        mig.phase(op, Phase.CONTRACT)
        assert old.errors == [] and old.ops > 100
        rows = dict(mig.sql("SELECT id, val FROM t5"))
        assert all(isinstance(v, int) for v in rows.values())
        for key, written in old.expected.items():
            want = 0 if written["val"].startswith("x") else int(written["val"])
            assert rows[key] == want, key
        assert _zdm_objects(mig, name) == []
    finally:
        old.stop()
        mig.close()


def test_fallback_is_stored_and_the_phases_go_on(db: tuple[str, str]) -> None:
    name, url = db
    mig = Migration(url)
    try:
        _setup(name, mig, bad_ids=(5,))
        op = _op(mig, _change(fallback="-1"))
        mig.expand(_change(fallback="-1"))
        mig.sql("INSERT INTO t5 (val) VALUES ('nope')")
        mig.phase(op, Phase.MIGRATE)
        mig.phase(op, Phase.CONTRACT)
        rows = dict(mig.sql("SELECT id, val FROM t5"))
        assert rows[5] == -1 and rows[ROWS + 1] == -1 and rows[4] == 4
    finally:
        mig.close()
