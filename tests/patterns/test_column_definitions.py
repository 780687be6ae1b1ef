"""What a completed rename, split or merge leaves behind: exactly the column definition
the application had (rename) or declared (split / merge) — type, nullability, default,
collation / character set and comment — on PostgreSQL, MariaDB and SQLite.

The relaxation expand adds so new code may leave the old column out (MariaDB: an
implicit ``DEFAULT ''``; SQLite: NOT NULL dropped) must be gone after contract: an
``INSERT`` that leaves the column out fails again, as it did before the migration.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import alembic  # noqa: F401  (plugin first)
import pytest
import sqlalchemy as sa

from alembic_zdm.ops.base import CollectingOperations
from alembic_zdm.phases.model import Phase
from alembic_zdm.testing.columns import column_definition

from ..mysql.harness import Migration

NAME_DDL = {
    "postgresql": 'name varchar(40) COLLATE "C" NOT NULL',
    "mysql": "name varchar(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL "
    "COMMENT 'the name'",
    "sqlite": "name varchar(40) NOT NULL",
}
KEY_DDL = {
    "postgresql": "id serial PRIMARY KEY",
    "mysql": "id int AUTO_INCREMENT PRIMARY KEY",
    "sqlite": "id INTEGER PRIMARY KEY",
}


@pytest.fixture(params=["postgresql", "mysql", "sqlite"])
def mig(request: pytest.FixtureRequest) -> Migration:
    fixture = "pg_url" if request.param == "postgresql" else f"{request.param}_url"
    m = Migration(request.getfixturevalue(fixture))
    request.addfinalizer(m.close)
    return m


def _db(mig: Migration) -> str:
    return "mysql" if mig.engine.dialect.name in ("mysql", "mariadb") else mig.engine.dialect.name


def _definition(mig: Migration, table: str, column: str) -> dict[str, Any]:
    with mig.engine.connect() as conn:
        return column_definition(conn, table, column)


def _through_all_phases(mig: Migration, expand: Callable[[Any], None]) -> None:
    collector = CollectingOperations(mig.ctx)
    expand(collector)
    op = collector.pattern_ops[0]
    mig.expand(expand)
    mig.phase(op, Phase.MIGRATE)
    mig.phase(op, Phase.CONTRACT)


def _fails(mig: Migration, sql: str) -> bool:
    try:
        mig.sql(sql)
    except sa.exc.DBAPIError:
        return True
    return False


@pytest.mark.parametrize("column", ["name", "score"])
def test_rename_leaves_the_column_exactly_as_it_was(mig: Migration, column: str) -> None:
    db = _db(mig)
    mig.sql(
        f"CREATE TABLE t ({KEY_DDL[db]}, {NAME_DDL[db]}, score int NOT NULL DEFAULT 7, amount int)"
    )
    if db == "postgresql":
        mig.sql("COMMENT ON COLUMN t.name IS 'the name'")
    mig.sql("INSERT INTO t (name, amount) VALUES ('a', 1), ('b', 2)")
    before = _definition(mig, "t", column)
    _through_all_phases(mig, lambda op: op.safe_rename_column("t", column, f"new_{column}"))
    assert _definition(mig, "t", f"new_{column}") == before
    if column == "name":  # no default: leaving it out fails, as before the migration
        assert _fails(mig, "INSERT INTO t (amount) VALUES (5)")
    else:
        mig.sql("INSERT INTO t (name, amount) VALUES ('c', 5)")
        assert mig.sql("SELECT new_score FROM t WHERE amount = 5") == [(7,)]


def _declared(mig: Migration, make: Callable[[], sa.Column[Any]]) -> dict[str, Any]:
    """The definition the column *make* builds gets when added by a plain ``op.add_column``."""
    column = make()
    mig.sql(f"CREATE TABLE ref ({KEY_DDL[_db(mig)]})")
    with mig.ctx.begin_transaction():
        mig.op.add_column("ref", column)
    mig._commit()
    return _definition(mig, "ref", column.name)


def _first() -> sa.Column[Any]:
    return sa.Column(
        "first", sa.String(40), nullable=False, server_default="?", comment="given name"
    )


def test_split_leaves_the_declared_definitions(mig: Migration) -> None:
    db = _db(mig)
    expected = {"first": _declared(mig, _first)}
    mig.sql("DROP TABLE ref")
    expected["last"] = _declared(mig, lambda: sa.Column("last", sa.String(40)))
    first, last = _first(), sa.Column("last", sa.String(40))
    mig.sql(f"CREATE TABLE t ({KEY_DDL[db]}, {NAME_DDL[db]})")
    mig.sql("INSERT INTO t (name) VALUES ('a b'), ('c d')")
    part = (
        "substr(name, 1, instr(name, ' ') - 1)"
        if db == "sqlite"
        else "substring_index(name, ' ', 1)"
    )
    rest = (
        "substr(name, instr(name, ' ') + 1)" if db == "sqlite" else "substring_index(name, ' ', -1)"
    )
    if db == "postgresql":
        part, rest = "split_part(name, ' ', 1)", "split_part(name, ' ', 2)"
    concat = "first || ' ' || last" if db != "mysql" else "concat(first, ' ', last)"
    _through_all_phases(
        mig,
        lambda op: op.split_column(
            "t", "name", [first, last], forward={"first": part, "last": rest}, backward=concat
        ),
    )
    for col in ("first", "last"):
        assert _definition(mig, "t", col) == expected[col], col
    assert mig.sql("SELECT first, last FROM t ORDER BY id") == [("a", "b"), ("c", "d")]


def test_merge_leaves_the_declared_definition(mig: Migration) -> None:
    db = _db(mig)

    def make() -> sa.Column[Any]:
        return sa.Column("name", sa.String(81), nullable=False, comment="full name")

    expected, merged = _declared(mig, make), make()
    mig.sql(f"CREATE TABLE t ({KEY_DDL[db]}, first varchar(40) NOT NULL, last varchar(40))")
    mig.sql("INSERT INTO t (first, last) VALUES ('a', 'b'), ('c', 'd')")
    concat = "first || ' ' || last" if db != "mysql" else "concat(first, ' ', last)"
    part = (
        "substr(name, 1, instr(name, ' ') - 1)"
        if db == "sqlite"
        else "substring_index(name, ' ', 1)"
    )
    rest = (
        "substr(name, instr(name, ' ') + 1)" if db == "sqlite" else "substring_index(name, ' ', -1)"
    )
    if db == "postgresql":
        part, rest = "split_part(name, ' ', 1)", "split_part(name, ' ', 2)"
    _through_all_phases(
        mig,
        lambda op: op.merge_columns(
            "t", ["first", "last"], merged, forward=concat, backward={"first": part, "last": rest}
        ),
    )
    assert _definition(mig, "t", "name") == expected
    assert mig.sql("SELECT name FROM t ORDER BY id") == [("a b",), ("c d",)]
    assert _fails(mig, "INSERT INTO t (id) VALUES (99)")
