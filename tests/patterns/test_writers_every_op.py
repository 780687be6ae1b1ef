"""Old and new application writers through every pattern op, on PostgreSQL, MariaDB, SQLite.

The load helper (:mod:`alembic_zdm.testing.load`) plays both application versions:
the old code writes the old columns from before expand until contract, the new code
the new columns from after expand (or after migrate for a type change) to the end.
Neither may see a single error, and every row must end with what its last writer
gave it. The type change gets values that do not convert as well: the writes still
succeed, and the migrate check names exactly those keys.

The writers keep writing during every phase on all three databases; on SQLite they
wait for the migration's write lock under pysqlite's default 5 s busy timeout, as an
application would (the migration takes it up front: ``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any

import alembic  # noqa: F401  (plugin first)
import pytest
import sqlalchemy as sa

from alembic_zdm.errors import BackfillVerificationError
from alembic_zdm.ops.base import CollectingOperations
from alembic_zdm.phases.model import Phase
from alembic_zdm.testing.load import AppWriter, running

from ..mysql.harness import Migration

ROWS = 60
KEY = {
    "postgresql": "id serial PRIMARY KEY",
    "mysql": "id int AUTO_INCREMENT PRIMARY KEY",
    "sqlite": "id INTEGER PRIMARY KEY",
}
SPLIT = {  # first word, rest, and the concatenation, per database
    "postgresql": ("split_part(name, ' ', 1)", "split_part(name, ' ', 2)", "first || ' ' || last"),
    "mysql": (
        "substring_index(name, ' ', 1)",
        "substring_index(name, ' ', -1)",
        "concat(first, ' ', last)",
    ),
    "sqlite": (
        "substr(name, 1, instr(name, ' ') - 1)",
        "substr(name, instr(name, ' ') + 1)",
        "first || ' ' || last",
    ),
}
Values = dict[str, Callable[[int], Any]]


@dataclasses.dataclass
class Case:
    columns: str
    seed: dict[str, Callable[[int], Any]]
    expand: Callable[[str], Callable[[Any], None]]
    old: Values
    new: Values
    final: str
    expected: Callable[[dict[str, Any]], Any]


def _name(n: int) -> str:
    return f"f{n} l{n}"


CASES = {
    "safe_rename_column": Case(
        "name varchar(40) NOT NULL, score int",
        {"name": _name},
        lambda db: lambda op: op.safe_rename_column("t", "name", "full_name"),
        {"name": _name},
        {"full_name": _name},
        "full_name",
        lambda w: w.get("name", w.get("full_name")),
    ),
    "add_required_column": Case(
        "a int",
        {"a": lambda n: n},
        lambda db: (
            lambda op: op.add_required_column(
                "t", sa.Column("cur", sa.String(3)), server_default="'EUR'"
            )
        ),
        {"a": lambda n: n},
        {"a": lambda n: n, "cur": lambda n: "USD"},
        "cur",
        lambda w: w.get("cur", "EUR"),
    ),
    "split_column": Case(
        "name varchar(40)",
        {"name": _name},
        lambda db: (
            lambda op: op.split_column(
                "t",
                "name",
                [sa.Column("first", sa.String(20)), sa.Column("last", sa.String(20))],
                forward={"first": SPLIT[db][0], "last": SPLIT[db][1]},
                backward=SPLIT[db][2],
                existing_type=sa.String(40),
            )
        ),  # fmt: skip
        {"name": _name},
        {"first": lambda n: f"f{n}", "last": lambda n: f"l{n}"},
        "first",
        lambda w: w.get("first") or w["name"].split()[0],
    ),
    "merge_columns": Case(
        "first varchar(20), last varchar(20)",
        {"first": lambda n: f"f{n}", "last": lambda n: f"l{n}"},
        lambda db: (
            lambda op: op.merge_columns(
                "t",
                ["first", "last"],
                sa.Column("name", sa.String(41)),
                forward=SPLIT[db][2],
                backward={"first": SPLIT[db][0], "last": SPLIT[db][1]},
            )
        ),  # fmt: skip
        {"first": lambda n: f"f{n}", "last": lambda n: f"l{n}"},
        {"name": _name},
        "name",
        lambda w: w.get("name") or f"{w['first']} {w['last']}",
    ),
}


@pytest.fixture(params=["postgresql", "mysql", "sqlite"])
def db(request: pytest.FixtureRequest) -> tuple[str, str]:
    fixture = "pg_url" if request.param == "postgresql" else f"{request.param}_url"
    return request.param, request.getfixturevalue(fixture)


def _seed(mig: Migration, db: str, columns: str, seed: Values) -> None:
    mig.sql(f"CREATE TABLE t ({KEY[db]}, {columns})")
    names = ", ".join(seed)
    for i in range(1, ROWS + 1):
        mig.sql(
            f"INSERT INTO t ({names}) VALUES ({', '.join(':' + c for c in seed)})",
            **{c: f(i) for c, f in seed.items()},
        )


def _op(mig: Migration, expand: Callable[[Any], None]) -> Any:
    collector = CollectingOperations(mig.ctx)
    expand(collector)
    return collector.pattern_ops[0]


@pytest.mark.parametrize("name", sorted(CASES))
def test_both_apps_write_through_every_phase(db: tuple[str, str], name: str) -> None:
    dbname, url = db
    case = CASES[name]
    mig = Migration(url)
    old = AppWriter(url, "t", case.old, name="old", rows=range(1, ROWS + 1, 2))
    new = AppWriter(url, "t", case.new, name="new", rows=range(2, ROWS + 1, 2))
    try:
        _seed(mig, dbname, case.columns, case.seed)
        expand = case.expand(dbname)
        op = _op(mig, expand)
        with running(old):
            old.advance()
            mig.expand(expand)
            old.advance()
            with running(new):  # new code rolls out once expand is done
                new.advance()
                mig.phase(op, Phase.MIGRATE)
                old.advance()
                new.advance()
                old.stop()  # the deploy is complete: no old code left for contract
                mig.phase(op, Phase.CONTRACT)
                new.advance()
        assert old.errors == [] and new.errors == []
        assert old.ops > 40 and new.ops > 40
        rows = dict(mig.sql(f"SELECT id, {case.final} FROM t"))
        assert len(rows) == ROWS + len(old.inserted) + len(new.inserted)  # no row lost
        for writer in (old, new):
            for key, written in writer.expected.items():
                assert rows[key] == case.expected(written), (writer.name, key)
    finally:
        old.stop()
        new.stop()
        mig.close()


def test_type_change_with_values_that_do_not_convert(db: tuple[str, str]) -> None:
    """text → integer; the old app writes 'x<n>' now and then: 0 errors, the keys named."""
    dbname, url = db
    mig = Migration(url)
    bad = {"on": False}
    old = AppWriter(
        url, "t", {"val": lambda n: f"x{n}" if bad["on"] and n % 4 == 0 else str(n)},
        name="old", rows=range(1, ROWS + 1),
    )  # fmt: skip
    try:
        _seed(mig, dbname, "val varchar(20)", {"val": str})
        expand = lambda op: op.safe_change_column_type(  # noqa: E731
            "t", "val", sa.Integer(), existing_type=sa.String(20)
        )
        op = _op(mig, expand)
        with running(old):
            old.advance()
            mig.expand(expand)
            bad["on"] = True
            old.advance(80)
            bad["on"] = False
            old.pause()  # so the rows the check names are the rows we read
            with pytest.raises(BackfillVerificationError) as caught:
                mig.phase(op, Phase.MIGRATE)
            not_converting = {k for k, v in mig.sql("SELECT id, val FROM t") if v[0] == "x"}
            old.resume()
            named = {int(k) for k in re.findall(r"key (\d+): 'x\d+'", str(caught.value))}
            assert not_converting and named and named <= not_converting
            assert f"{len(not_converting)} row(s) of t.val do not convert" in str(caught.value)
            mig.sql("UPDATE t SET val = '-1' WHERE val LIKE 'x%'")
            mig.phase(op, Phase.MIGRATE)
            old.advance()
        mig.phase(op, Phase.CONTRACT)
        assert old.errors == [] and old.ops > 80
        rows = dict(mig.sql("SELECT id, val FROM t"))
        for key, written in old.expected.items():
            assert rows[key] == (-1 if written["val"][0] == "x" else int(written["val"])), key
    finally:
        old.stop()
        mig.close()
