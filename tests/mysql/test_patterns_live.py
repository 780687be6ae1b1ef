"""Every operation, phase by phase on MariaDB/MySQL, with app writers inserting and updating.

Like ``tests/patterns/test_patterns_live.py`` (PostgreSQL): each case names the table,
the old and the new app's SQL and how a final value is checked; the writers must
see no error, and every row must hold what its last writer gave it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import alembic  # noqa: F401  (plugin first)
import pytest
import sqlalchemy as sa
from sqlalchemy import text
from sqlalchemy.engine import Connection

from alembic_zdm.ops.base import CollectingOperations
from alembic_zdm.phases.model import Phase
from alembic_zdm.testing.load import AppWriter

from .harness import Migration, Writer, writing

pytestmark = pytest.mark.mysql
ROWS = 2000
DIGITS = "(" + " UNION ALL ".join(f"SELECT {d} AS d" for d in range(10)) + ")"
NUMBERS = (
    f"(SELECT a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 1 AS n FROM {DIGITS} a, {DIGITS} b, "
    f"{DIGITS} c, {DIGITS} e) AS g WHERE n <= 2000"
)
SEED = "INSERT INTO t ({cols}) SELECT {values} FROM " + NUMBERS


def seed(cols: str, values: str) -> str:
    return SEED.format(cols=cols, values=values)


def _ins(sql: str, value: Callable[[int], dict[str, Any]]) -> Callable[[Connection, int], int]:
    return lambda conn, n: int(conn.execute(text(sql), value(n)).lastrowid)


def _upd(
    sql: str, value: Callable[[int], dict[str, Any]]
) -> Callable[[Connection, int, int], None]:
    return lambda conn, row_id, n: conn.execute(
        text(sql + " WHERE id = :id"), {**value(n), "id": row_id}
    )


N = lambda n: {"n": n}  # noqa: E731
FL = lambda n: {"f": f"f{n}", "l": f"l{n}"}  # noqa: E731
NAME = lambda n: {"v": f"f{n} l{n}"}  # noqa: E731


@dataclasses.dataclass
class Case:
    name: str
    setup: list[str]
    expand: Callable[[Any], None]
    old: tuple[Callable[..., int], Callable[..., None]]
    new: tuple[Callable[..., int], Callable[..., None]] | None
    check_sql: str
    expected: Callable[[int], Any]
    old_in_contract: bool = True


T = "CREATE TABLE t (id bigint AUTO_INCREMENT PRIMARY KEY, {cols}) ENGINE=InnoDB"
OLD_A = (_ins("INSERT INTO t (a) VALUES (:n)", N), _upd("UPDATE t SET a = :n", N))

CASES = [
    Case(
        "safe_rename_column",
        [
            T.format(cols="email varchar(40) NOT NULL DEFAULT 'x'"),
            "CREATE INDEX t_email ON t (email)",
            seed("email", "CONCAT('e', n)"),
        ],
        lambda op: op.safe_rename_column("t", "email", "email_address"),
        (
            _ins("INSERT INTO t (email) VALUES (:v)", lambda n: {"v": f"e{n}"}),
            _upd("UPDATE t SET email = :v", lambda n: {"v": f"e{n}"}),
        ),
        (
            _ins("INSERT INTO t (email_address) VALUES (:v)", lambda n: {"v": f"e{n}"}),
            _upd("UPDATE t SET email_address = :v", lambda n: {"v": f"e{n}"}),
        ),
        "SELECT id, email_address FROM t",
        lambda n: f"e{n}",
        old_in_contract=False,
    ),
    Case(
        "add_required_column",
        [T.format(cols="a int"), seed("a", "n")],
        lambda op: op.add_required_column(
            "t", sa.Column("cur", sa.String(3)), server_default="'EUR'"
        ),
        OLD_A,
        (
            _ins("INSERT INTO t (a, cur) VALUES (:n, 'USD')", N),
            _upd("UPDATE t SET a = :n, cur = 'USD'", N),
        ),
        "SELECT id, a, cur FROM t",
        lambda n: n,
    ),
    Case(
        "safe_change_column_type",
        [
            T.format(cols="amount int NOT NULL DEFAULT 0"),
            "CREATE INDEX t_amount ON t (amount)",
            seed("amount", "n"),
        ],
        lambda op: op.safe_change_column_type(
            "t", "amount", sa.BigInteger(), existing_type=sa.Integer()
        ),
        (_ins("INSERT INTO t (amount) VALUES (:n)", N), _upd("UPDATE t SET amount = :n", N)),
        None,
        "SELECT id, amount FROM t",
        lambda n: n,
    ),
    Case(
        "split_column",
        [T.format(cols="name varchar(40)"), seed("name", "CONCAT('f', n, ' l', n)")],
        lambda op: op.split_column(
            "t",
            "name",
            [sa.Column("first", sa.String(20)), sa.Column("last", sa.String(20))],
            forward={
                "first": "SUBSTRING_INDEX(name, ' ', 1)",
                "last": "SUBSTRING_INDEX(name, ' ', -1)",
            },
            backward="CONCAT(first, ' ', last)",
            existing_type=sa.String(40),
        ),
        (_ins("INSERT INTO t (name) VALUES (:v)", NAME), _upd("UPDATE t SET name = :v", NAME)),
        (
            _ins("INSERT INTO t (first, last) VALUES (:f, :l)", FL),
            _upd("UPDATE t SET first = :f, last = :l", FL),
        ),
        "SELECT id, CONCAT(first, ' ', last) FROM t",
        lambda n: f"f{n} l{n}",
        old_in_contract=False,
    ),
    Case(
        "merge_columns",
        [
            T.format(cols="first varchar(20), last varchar(20)"),
            seed("first, last", "CONCAT('f', n), CONCAT('l', n)"),
        ],
        lambda op: op.merge_columns(
            "t",
            ["first", "last"],
            sa.Column("name", sa.String(40)),
            forward="CONCAT(first, ' ', last)",
            backward={
                "first": "SUBSTRING_INDEX(name, ' ', 1)",
                "last": "SUBSTRING_INDEX(name, ' ', -1)",
            },
            existing_types={"first": sa.String(20), "last": sa.String(20)},
        ),
        (
            _ins("INSERT INTO t (first, last) VALUES (:f, :l)", FL),
            _upd("UPDATE t SET first = :f, last = :l", FL),
        ),
        (_ins("INSERT INTO t (name) VALUES (:v)", NAME), _upd("UPDATE t SET name = :v", NAME)),
        "SELECT id, name FROM t",
        lambda n: f"f{n} l{n}",
        old_in_contract=False,
    ),
    Case(
        "safe_drop_column",
        [
            T.format(cols="a int, legacy varchar(10) NOT NULL"),
            "CREATE INDEX t_legacy ON t (legacy)",
            seed("a, legacy", "n, 'x'"),
        ],
        lambda op: op.safe_drop_column(
            "t", "legacy", existing_type=sa.String(10), existing_nullable=False
        ),
        (
            _ins("INSERT INTO t (a, legacy) VALUES (:n, 'x')", N),
            _upd("UPDATE t SET a = :n, legacy = 'y'", N),
        ),
        (_ins("INSERT INTO t (a) VALUES (:n)", N), _upd("UPDATE t SET a = :n", N)),
        "SELECT id, a FROM t",
        lambda n: n,
        old_in_contract=False,
    ),
    Case(
        "add_index_concurrently",
        [T.format(cols="a int"), seed("a", "n")],
        lambda op: op.add_index_concurrently("ix_t_a", "t", ["a"]),
        OLD_A,
        None,
        "SELECT id, a FROM t",
        lambda n: n,
    ),
    Case(
        "add_unique_constraint_safe",
        [T.format(cols="a int"), seed("a", "n")],
        lambda op: op.add_unique_constraint_safe("uq_t_a", "t", ["a"]),
        (
            _ins("INSERT INTO t (a) VALUES (:n + 100000)", N),
            _upd("UPDATE t SET a = :n + 100000", N),
        ),
        None,
        "SELECT id, a FROM t",
        lambda n: n + 100000,
    ),
    Case(
        "add_check_constraint_safe",
        [T.format(cols="a int"), seed("a", "n")],
        lambda op: op.add_check_constraint_safe("ck_t_a", "t", "a > 0"),
        OLD_A,
        None,
        "SELECT id, a FROM t",
        lambda n: n,
    ),
    Case(
        "add_foreign_key_safe",
        [
            "CREATE TABLE p (id bigint PRIMARY KEY) ENGINE=InnoDB",
            "INSERT INTO p (id) SELECT n FROM " + NUMBERS.replace("<= 2000", "<= 5000"),
            T.format(cols="a int, p_id bigint"),
            seed("a, p_id", "n, n"),
        ],
        lambda op: op.add_foreign_key_safe("fk_t_p", "t", "p", ["p_id"], ["id"]),
        (
            _ins("INSERT INTO t (a, p_id) VALUES (:n, :n)", N),
            _upd("UPDATE t SET a = :n, p_id = :n", N),
        ),
        None,
        "SELECT id, a FROM t",
        lambda n: n,
    ),
    Case(
        "set_not_null_safe",
        [T.format(cols="a int"), seed("a", "n")],
        lambda op: op.set_not_null_safe("t", "a"),
        OLD_A,
        None,
        "SELECT id, a FROM t",
        lambda n: n,
    ),
]


def _phases(case: Case, mig: Migration, url: str) -> tuple[AppWriter, AppWriter | None, Any]:
    old = Writer(url, *case.old, list(range(2, ROWS + 1, 2)), "old")
    new = Writer(url, *case.new, list(range(1, ROWS + 1, 2)), "new") if case.new else None
    collector = CollectingOperations(mig.ctx)
    case.expand(collector)
    op = collector.pattern_ops[0] if collector.pattern_ops else None
    with writing(old):
        old.advance()
        mig.expand(case.expand)
        old.advance()
        if new:
            new.start()
            new.advance()
        if op is not None:
            mig.phase(op, Phase.MIGRATE)
        old.advance()
        if not case.old_in_contract:
            old.stop()
        if op is not None:
            mig.phase(op, Phase.CONTRACT)
        if case.old_in_contract:
            old.advance()
        if new:
            new.advance()
            new.stop()
    return old, new, op


def _prepare(case: Case, mig: Migration) -> None:
    for stmt in case.setup:
        mig.sql(stmt)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_phase_by_phase_with_writers(case: Case, mysql_url: str) -> None:
    mig = Migration(mysql_url)
    try:
        _prepare(case, mig)
        old, new, _ = _phases(case, mig, mysql_url)
        print(
            f"\n{case.name}: old writer {old.ops} ops, max {old.max_latency_ms:.0f} ms"
            + (f"; new writer {new.ops} ops, max {new.max_latency_ms:.0f} ms" if new else "")
        )
        assert old.errors == [], old.errors[:3]
        assert old.ops > 30
        if new:
            assert new.errors == [], new.errors[:3]
            assert new.ops > 20
        rows = {r[0]: r[1:] for r in mig.sql(case.check_sql)}
        inserted = sum(1 for w in (old, new) if w for i in w.expected if i > ROWS)
        assert len(rows) == ROWS + inserted
        for writer in (old, new):
            for row_id, written in writer.expected.items() if writer else ():
                assert rows[row_id][0] == case.expected(written["n"]), (writer.name, row_id)
        _check_final(case, mig)
    finally:
        mig.close()


def _check_final(case: Case, mig: Migration) -> None:
    cols = mig.columns("t")
    nullable = {
        r[0]: r[1]
        for r in mig.sql(
            "SELECT column_name, is_nullable FROM information_schema.columns "
            "WHERE table_schema = DATABASE() AND table_name = 't'"
        )
    }
    indexes = {
        r[0]
        for r in mig.sql(
            "SELECT index_name FROM information_schema.statistics "
            "WHERE table_schema = DATABASE() AND table_name = 't'"
        )
    }
    if case.name == "safe_rename_column":
        assert set(cols) == {"id", "email_address"} and nullable["email_address"] == "NO"
        assert "t_email" in indexes
    if case.name == "add_required_column":
        assert mig.sql("SELECT count(*) FROM t WHERE cur IS NULL") == [(0,)]
        assert nullable["cur"] == "NO"
    if case.name == "safe_change_column_type":
        assert cols["amount"].startswith("BIGINT") and set(cols) == {"id", "amount"}
        assert nullable["amount"] == "NO" and "t_amount" in indexes
    if case.name == "safe_drop_column":
        assert "legacy" not in cols
    if case.name in ("add_index_concurrently", "add_unique_constraint_safe"):
        assert {"ix_t_a", "uq_t_a"} & indexes
    if case.name == "set_not_null_safe":
        assert nullable["a"] == "NO"
    if case.name == "add_foreign_key_safe":
        assert mig.sql(
            "SELECT constraint_name FROM information_schema.referential_constraints "
            "WHERE constraint_schema = DATABASE()"
        ) == [("fk_t_p",)]
    if case.name == "add_check_constraint_safe":
        with pytest.raises(sa.exc.OperationalError, match="ck_t_a"):
            mig.sql("INSERT INTO t (a) VALUES (-1)")
    triggers = mig.sql(
        "SELECT trigger_name FROM information_schema.triggers "
        "WHERE trigger_schema = DATABASE() AND trigger_name LIKE 'zdm_dw%'"
    )
    assert triggers == []


# A foreign key leaves MySQL's implicit index on its columns behind when dropped, and
# add_index_concurrently is a single-phase op (its undo is drop_index_concurrently).
PHASED = [c for c in CASES if c.name not in ("add_foreign_key_safe", "add_index_concurrently")]


@pytest.mark.parametrize("case", PHASED, ids=[c.name for c in PHASED])
def test_rollback_from_every_point(case: Case, mysql_url: str) -> None:
    mig = Migration(mysql_url)
    try:
        _prepare(case, mig)
        before = mig.sql("SHOW CREATE TABLE t")[0][1]
        data = mig.sql("SELECT * FROM t ORDER BY id")
        collector = CollectingOperations(mig.ctx)
        case.expand(collector)
        op = collector.pattern_ops[0]
        for last in Phase:
            mig.expand(case.expand)
            for phase in (Phase.MIGRATE, Phase.CONTRACT):
                if phase <= last:
                    mig.phase(op, phase)
            for phase in reversed([p for p in Phase if p <= last]):
                mig.phase(op, phase, undo=True)
            if case.name == "safe_drop_column" and last is Phase.CONTRACT:
                # Contract dropped the column's data: it comes back nullable and empty
                # (documented in docs/ops/safe_drop.md).
                assert set(mig.columns("t")) == {"id", "a", "legacy"}
                break
            assert mig.sql("SHOW CREATE TABLE t")[0][1] == before, last
            assert mig.sql("SELECT * FROM t ORDER BY id") == data, last
    finally:
        mig.close()
