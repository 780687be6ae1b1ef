"""Every operation on SQLite, phase by phase and rolled back from every point.

SQLite has one writer at a time, so "zero downtime" here means that each phase is
correct for the app version running during it: the old app's writes after expand
and migrate, the new app's writes after migrate and contract, and the undo of every
phase bringing back exactly the schema and data of before.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import alembic  # noqa: F401  (plugin first)
import pytest
import sqlalchemy as sa

from alembic_zdm.ops.base import CollectingOperations
from alembic_zdm.phases.model import Phase
from tests.mysql.harness import Migration

ROWS = 200
SEED = "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 200) "


@dataclasses.dataclass
class Case:
    name: str
    setup: list[str]
    expand: Callable[[Any], None]
    old_write: list[str]
    new_write: list[str]
    check_sql: str
    expected: list[tuple[Any, ...]]


T = "CREATE TABLE t (id INTEGER PRIMARY KEY, {cols})"
SPLIT = {
    "first": "substr(name, 1, instr(name, ' ') - 1)",
    "last": "substr(name, instr(name, ' ') + 1)",
}

CASES = [
    Case(
        "safe_rename_column",
        [
            T.format(cols="email TEXT NOT NULL DEFAULT 'x'"),
            "CREATE INDEX t_email ON t (email)",
            SEED + "INSERT INTO t (email) SELECT 'e' || n FROM g",
        ],
        lambda op: op.safe_rename_column("t", "email", "email_address"),
        [
            "INSERT INTO t (id, email) VALUES (1001, 'old')",
            "UPDATE t SET email = 'o1' WHERE id = 1",
        ],
        [
            "INSERT INTO t (id, email_address) VALUES (1002, 'new')",
            "UPDATE t SET email_address = 'n2' WHERE id = 2",
        ],
        "SELECT id, email_address FROM t WHERE id IN (1, 2, 3, 1001, 1002) ORDER BY id",
        [(1, "o1"), (2, "n2"), (3, "e3"), (1001, "old"), (1002, "new")],
    ),
    Case(
        "add_required_column",
        [T.format(cols="a INTEGER"), SEED + "INSERT INTO t (a) SELECT n FROM g"],
        lambda op: op.add_required_column("t", sa.Column("cur", sa.Text()), server_default="'EUR'"),
        ["INSERT INTO t (id, a) VALUES (1001, 1)"],
        ["INSERT INTO t (id, a, cur) VALUES (1002, 2, 'USD')"],
        "SELECT id, cur FROM t WHERE id IN (1, 1001, 1002) ORDER BY id",
        [(1, "EUR"), (1001, "EUR"), (1002, "USD")],
    ),
    Case(
        "safe_change_column_type",
        [
            T.format(cols="amount INTEGER NOT NULL DEFAULT 0"),
            "CREATE INDEX t_amount ON t (amount)",
            SEED + "INSERT INTO t (amount) SELECT n FROM g",
        ],
        lambda op: op.safe_change_column_type(
            "t", "amount", sa.Numeric(12, 2), existing_type=sa.Integer()
        ),
        ["INSERT INTO t (id, amount) VALUES (1001, 7)", "UPDATE t SET amount = 9 WHERE id = 1"],
        ["INSERT INTO t (id, amount) VALUES (1002, 8)"],
        "SELECT id, amount FROM t WHERE id IN (1, 2, 1001, 1002) ORDER BY id",
        [(1, 9), (2, 2), (1001, 7), (1002, 8)],
    ),
    Case(
        "split_column",
        [
            T.format(cols="name TEXT"),
            SEED + "INSERT INTO t (name) SELECT 'f' || n || ' l' || n FROM g",
        ],
        lambda op: op.split_column(
            "t",
            "name",
            [sa.Column("first", sa.Text()), sa.Column("last", sa.Text())],
            forward=SPLIT,
            backward="first || ' ' || last",
            existing_type=sa.Text(),
        ),
        ["INSERT INTO t (id, name) VALUES (1001, 'a b')", "UPDATE t SET name = 'c d' WHERE id = 1"],
        [
            "INSERT INTO t (id, first, last) VALUES (1002, 'e', 'f')",
            "UPDATE t SET first = 'g', last = 'h' WHERE id = 2",
        ],
        "SELECT id, first, last FROM t WHERE id IN (1, 2, 3, 1001, 1002) ORDER BY id",
        [(1, "c", "d"), (2, "g", "h"), (3, "f3", "l3"), (1001, "a", "b"), (1002, "e", "f")],
    ),
    Case(
        "merge_columns",
        [
            T.format(cols="first TEXT, last TEXT"),
            SEED + "INSERT INTO t (first, last) SELECT 'f' || n, 'l' || n FROM g",
        ],
        lambda op: op.merge_columns(
            "t",
            ["first", "last"],
            sa.Column("name", sa.Text()),
            forward="first || ' ' || last",
            backward={
                "first": "substr(name, 1, instr(name, ' ') - 1)",
                "last": "substr(name, instr(name, ' ') + 1)",
            },
            existing_types={"first": sa.Text(), "last": sa.Text()},
        ),
        ["INSERT INTO t (id, first, last) VALUES (1001, 'a', 'b')"],
        ["INSERT INTO t (id, name) VALUES (1002, 'c d')", "UPDATE t SET name = 'e f' WHERE id = 1"],
        "SELECT id, name FROM t WHERE id IN (1, 2, 1001, 1002) ORDER BY id",
        [(1, "e f"), (2, "f2 l2"), (1001, "a b"), (1002, "c d")],
    ),
    Case(
        "safe_drop_column",
        [
            T.format(cols="a INTEGER, legacy TEXT NOT NULL"),
            "CREATE INDEX t_legacy ON t (legacy)",
            SEED + "INSERT INTO t (a, legacy) SELECT n, 'x' FROM g",
        ],
        lambda op: op.safe_drop_column(
            "t", "legacy", existing_type=sa.Text(), existing_nullable=False
        ),
        ["INSERT INTO t (id, a, legacy) VALUES (1001, 1, 'x')"],
        ["INSERT INTO t (id, a) VALUES (1002, 2)"],
        "SELECT id, a FROM t WHERE id IN (1, 1001, 1002) ORDER BY id",
        [(1, 1), (1001, 1), (1002, 2)],
    ),
    Case(
        "add_foreign_key_safe",
        [
            "CREATE TABLE p (id INTEGER PRIMARY KEY)",
            SEED + "INSERT INTO p (id) SELECT n FROM g",
            T.format(cols="p_id INTEGER"),
            SEED + "INSERT INTO t (p_id) SELECT n FROM g",
        ],
        lambda op: op.add_foreign_key_safe("fk_t_p", "t", "p", ["p_id"], ["id"]),
        ["INSERT INTO t (id, p_id) VALUES (1001, 5)"],
        [],
        "SELECT id, p_id FROM t WHERE id IN (1, 1001) ORDER BY id",
        [(1, 1), (1001, 5)],
    ),
    Case(
        "add_check_constraint_safe",
        [T.format(cols="a INTEGER"), SEED + "INSERT INTO t (a) SELECT n FROM g"],
        lambda op: op.add_check_constraint_safe("ck_t_a", "t", "a > 0"),
        ["INSERT INTO t (id, a) VALUES (1001, 5)"],
        [],
        "SELECT id, a FROM t WHERE id IN (1, 1001) ORDER BY id",
        [(1, 1), (1001, 5)],
    ),
    Case(
        "add_unique_constraint_safe",
        [T.format(cols="a INTEGER"), SEED + "INSERT INTO t (a) SELECT n FROM g"],
        lambda op: op.add_unique_constraint_safe("uq_t_a", "t", ["a"]),
        ["INSERT INTO t (id, a) VALUES (1001, 5000)"],
        [],
        "SELECT id, a FROM t WHERE id IN (1, 1001) ORDER BY id",
        [(1, 1), (1001, 5000)],
    ),
    Case(
        "set_not_null_safe",
        [T.format(cols="a INTEGER"), SEED + "INSERT INTO t (a) SELECT n FROM g"],
        lambda op: op.set_not_null_safe("t", "a"),
        ["INSERT INTO t (id, a) VALUES (1001, 5)"],
        [],
        "SELECT id, a FROM t WHERE id IN (1, 1001) ORDER BY id",
        [(1, 1), (1001, 5)],
    ),
]


def _schema(mig: Migration) -> dict[str, Any]:
    with mig.engine.connect() as conn:
        insp = sa.inspect(conn)
        cols = [
            (c["name"], str(c["type"]), c["nullable"], c.get("default"))
            for c in insp.get_columns("t")
        ]
        indexes = sorted(
            (i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in insp.get_indexes("t")
        )
        fks = [f["name"] for f in insp.get_foreign_keys("t")]
        checks = [c["name"] for c in insp.get_check_constraints("t")]
        triggers = mig.sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    return {"columns": cols, "indexes": indexes, "fks": fks, "checks": checks, "triggers": triggers}


def _start(case: Case, url: str) -> tuple[Migration, Any]:
    mig = Migration(url)
    for stmt in case.setup:
        mig.sql(stmt)
    collector = CollectingOperations(mig.ctx)
    case.expand(collector)
    return mig, collector.pattern_ops[0]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_phase_by_phase(case: Case, sqlite_url: str) -> None:
    mig, op = _start(case, sqlite_url)
    try:
        mig.expand(case.expand)
        for stmt in case.old_write:  # the old app, after expand
            mig.sql(stmt)
        mig.phase(op, Phase.MIGRATE)
        for stmt in case.new_write:  # the new app, once migrate is done
            mig.sql(stmt)
        mig.phase(op, Phase.CONTRACT)
        assert [tuple(r) for r in mig.sql(case.check_sql)] == case.expected
        schema = _schema(mig)
        assert schema["triggers"] == []
        if case.name == "add_required_column":
            assert ("cur", "TEXT", False, "'EUR'") in schema["columns"]
        if case.name == "safe_rename_column":
            assert [c[0] for c in schema["columns"]] == ["id", "email_address"]
            assert ("t_email", ("email_address",), False) in schema["indexes"]
        if case.name == "safe_change_column_type":
            assert ("amount", "NUMERIC(12, 2)", False, "0") in schema["columns"]
            assert ("t_amount", ("amount",), False) in schema["indexes"]
        if case.name == "add_foreign_key_safe":
            assert schema["fks"] == ["fk_t_p"]
        if case.name == "add_check_constraint_safe":
            assert schema["checks"] == ["ck_t_a"]
        if case.name == "set_not_null_safe":
            assert ("a", "INTEGER", False, None) in schema["columns"]
    finally:
        mig.close()


@pytest.mark.parametrize("last", list(Phase))
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_rollback_from_every_point(case: Case, last: Phase, sqlite_url: str) -> None:
    mig, op = _start(case, sqlite_url)
    try:
        before, data = _schema(mig), mig.sql("SELECT * FROM t ORDER BY id")
        mig.expand(case.expand)
        for phase in (Phase.MIGRATE, Phase.CONTRACT):
            if phase <= last:
                mig.phase(op, phase)
        for phase in reversed([p for p in Phase if p <= last]):
            mig.phase(op, phase, undo=True)
        if case.name == "safe_drop_column" and last is Phase.CONTRACT:
            # Contract dropped the column's data: it comes back nullable and empty.
            assert [c[0] for c in _schema(mig)["columns"]] == ["id", "a", "legacy"]
            return
        assert _schema(mig) == before
        assert mig.sql("SELECT * FROM t ORDER BY id") == data
    finally:
        mig.close()
