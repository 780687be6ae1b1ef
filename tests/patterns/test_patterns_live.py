"""Every other pattern op, phase by phase on PostgreSQL, with app writers running.

Each case names the table, the old app's and the new app's SQL, which phases each
app may run in (the table in docs/ops/), and how a final value is checked.
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

from alembic_zdm.errors import SchemaObjectError
from alembic_zdm.phases.model import Phase
from alembic_zdm.testing.load import AppWriter

from .harness import Migration, Writer, writing

pytestmark = pytest.mark.postgresql
ROWS = 2000


def _ins(sql: str, value: Callable[[int], dict[str, Any]]) -> Callable[[Connection, int], int]:
    return lambda conn, n: int(conn.execute(text(sql + " RETURNING id"), value(n)).scalar_one())


def _upd(
    sql: str, value: Callable[[int], dict[str, Any]]
) -> Callable[[Connection, int, int], None]:
    return lambda conn, row_id, n: conn.execute(
        text(sql + " WHERE id = :id"), {**value(n), "id": row_id}
    )


@dataclasses.dataclass
class Case:
    name: str
    setup: str
    expand: Callable[[Any], None]
    old: tuple[Callable[..., int], Callable[..., None]]
    new: tuple[Callable[..., int], Callable[..., None]] | None
    check_sql: str
    expected: Callable[[int], Any]
    old_in_contract: bool = False


CASES = [
    Case(
        "add_required_column",
        "CREATE TABLE t (id bigserial PRIMARY KEY, a int);"
        "INSERT INTO t (a) SELECT g FROM generate_series(1, 2000) g",
        lambda op: op.add_required_column("t", sa.Column("cur", sa.Text()), server_default="'EUR'"),
        (
            _ins("INSERT INTO t (a) VALUES (:n)", lambda n: {"n": n}),
            _upd("UPDATE t SET a = :n", lambda n: {"n": n}),
        ),
        (
            _ins("INSERT INTO t (a, cur) VALUES (:n, 'USD')", lambda n: {"n": n}),
            _upd("UPDATE t SET a = :n, cur = 'USD'", lambda n: {"n": n}),
        ),
        "SELECT id, a, cur FROM t",
        lambda n: n,
        old_in_contract=True,
    ),
    Case(
        "safe_change_column_type",
        "CREATE TABLE t (id bigserial PRIMARY KEY, amount int NOT NULL DEFAULT 0);"
        "CREATE INDEX t_amount_idx ON t (amount);"
        "INSERT INTO t (amount) SELECT g FROM generate_series(1, 2000) g",
        lambda op: op.safe_change_column_type(
            "t", "amount", sa.BigInteger(), existing_type=sa.Integer()
        ),
        (
            _ins("INSERT INTO t (amount) VALUES (:n)", lambda n: {"n": n}),
            _upd("UPDATE t SET amount = :n", lambda n: {"n": n}),
        ),
        None,
        "SELECT id, amount FROM t",
        lambda n: n,
        old_in_contract=True,
    ),
    Case(
        "split_column",
        "CREATE TABLE t (id bigserial PRIMARY KEY, name text);"
        "INSERT INTO t (name) SELECT 'f' || g || ' l' || g FROM generate_series(1, 2000) g",
        lambda op: op.split_column(
            "t",
            "name",
            [sa.Column("first", sa.Text()), sa.Column("last", sa.Text())],
            forward={"first": "split_part(name, ' ', 1)", "last": "split_part(name, ' ', 2)"},
            backward="first || ' ' || last",
            existing_type=sa.Text(),
        ),
        (
            _ins("INSERT INTO t (name) VALUES (:v)", lambda n: {"v": f"f{n} l{n}"}),
            _upd("UPDATE t SET name = :v", lambda n: {"v": f"f{n} l{n}"}),
        ),
        (
            _ins(
                "INSERT INTO t (first, last) VALUES (:f, :l)",
                lambda n: {"f": f"f{n}", "l": f"l{n}"},
            ),
            _upd("UPDATE t SET first = :f, last = :l", lambda n: {"f": f"f{n}", "l": f"l{n}"}),
        ),
        "SELECT id, first || ' ' || last FROM t",
        lambda n: f"f{n} l{n}",
    ),
    Case(
        "merge_columns",
        "CREATE TABLE t (id bigserial PRIMARY KEY, first text, last text);"
        "INSERT INTO t (first, last) SELECT 'f' || g, 'l' || g FROM generate_series(1, 2000) g",
        lambda op: op.merge_columns(
            "t",
            ["first", "last"],
            sa.Column("name", sa.Text()),
            forward="first || ' ' || last",
            backward={"first": "split_part(name, ' ', 1)", "last": "split_part(name, ' ', 2)"},
            existing_types={"first": sa.Text(), "last": sa.Text()},
        ),
        (
            _ins(
                "INSERT INTO t (first, last) VALUES (:f, :l)",
                lambda n: {"f": f"f{n}", "l": f"l{n}"},
            ),
            _upd("UPDATE t SET first = :f, last = :l", lambda n: {"f": f"f{n}", "l": f"l{n}"}),
        ),
        (
            _ins("INSERT INTO t (name) VALUES (:v)", lambda n: {"v": f"f{n} l{n}"}),
            _upd("UPDATE t SET name = :v", lambda n: {"v": f"f{n} l{n}"}),
        ),
        "SELECT id, name FROM t",
        lambda n: f"f{n} l{n}",
    ),
    Case(
        "safe_drop_column",
        "CREATE TABLE t (id bigserial PRIMARY KEY, a int, legacy text NOT NULL);"
        "CREATE INDEX t_legacy_idx ON t (legacy);"
        "INSERT INTO t (a, legacy) SELECT g, 'x' FROM generate_series(1, 2000) g",
        lambda op: op.safe_drop_column(
            "t", "legacy", existing_type=sa.Text(), existing_nullable=False
        ),
        (
            _ins("INSERT INTO t (a, legacy) VALUES (:n, 'x')", lambda n: {"n": n}),
            _upd("UPDATE t SET a = :n, legacy = 'y'", lambda n: {"n": n}),
        ),
        (
            _ins("INSERT INTO t (a) VALUES (:n)", lambda n: {"n": n}),
            _upd("UPDATE t SET a = :n", lambda n: {"n": n}),
        ),
        "SELECT id, a FROM t",
        lambda n: n,
    ),
]


def _phases(case: Case, mig: Migration, url: str) -> tuple[AppWriter, AppWriter | None, Any]:
    from alembic_zdm.ops.base import CollectingOperations

    old = Writer(url, *case.old, list(range(2, ROWS + 1, 2)), "old")
    new = Writer(url, *case.new, list(range(1, ROWS + 1, 2)), "new") if case.new else None
    collector = CollectingOperations(mig.ctx)
    case.expand(collector)
    op = collector.pattern_ops[0]
    with writing(old):
        old.advance()
        mig.expand(case.expand)
        old.advance()
        if new:
            new.start()
            new.advance()
        mig.phase(op, Phase.MIGRATE)
        old.advance()
        if not case.old_in_contract:
            old.stop()
        mig.phase(op, Phase.CONTRACT)
        old.advance() if case.old_in_contract else None
        if new:
            new.advance()
            new.stop()
    return old, new, op


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_phase_by_phase_with_writers(case: Case, pg_url: str) -> None:
    mig = Migration(pg_url)
    try:
        for stmt in case.setup.split(";"):
            mig.sql(stmt)
        old, new, _ = _phases(case, mig, pg_url)
        assert old.errors == [], old.errors[:3]
        assert old.ops > 30
        if new:
            assert new.errors == [], new.errors[:3]
            assert new.ops > 20
        rows = {r[0]: r[1:] for r in mig.sql(case.check_sql)}
        inserted = sum(1 for w in (old, new) if w for i in w.expected if i > ROWS)
        assert len(rows) == ROWS + inserted  # no row lost
        for writer in (old, new):
            for row_id, written in writer.expected.items() if writer else ():
                assert rows[row_id][0] == case.expected(written["n"]), (writer.name, row_id)
        if case.name == "add_required_column":
            assert mig.sql("SELECT count(*) FROM t WHERE cur IS NULL") == [(0,)]
            assert mig.sql(
                "SELECT is_nullable FROM information_schema.columns WHERE column_name = 'cur'"
            ) == [("NO",)]
        if case.name == "safe_change_column_type":
            assert mig.columns("t")["amount"] == "BIGINT"
            assert set(mig.columns("t")) == {"id", "amount"}
            assert mig.sql("SELECT indexdef FROM pg_indexes WHERE indexname = 't_amount_idx'")[0][
                0
            ].endswith("(amount)")
        if case.name == "safe_drop_column":
            assert "legacy" not in mig.columns("t")
        assert mig.sql("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'zdm_%'") == [(0,)]
    finally:
        mig.close()


@pytest.mark.parametrize("last", [Phase.EXPAND, Phase.MIGRATE, Phase.CONTRACT])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_rollback_from_every_point(case: Case, last: Phase, pg_url: str) -> None:
    from alembic_zdm.ops.base import CollectingOperations

    mig = Migration(pg_url)
    try:
        for stmt in case.setup.split(";"):
            mig.sql(stmt)
        before = mig.columns("t")
        data = mig.sql(
            case.check_sql.replace("FROM t", "FROM t ORDER BY id")
            if False
            else "SELECT * FROM t ORDER BY id"
        )
        collector = CollectingOperations(mig.ctx)
        case.expand(collector)
        op = collector.pattern_ops[0]
        mig.expand(case.expand)
        for phase in (Phase.MIGRATE, Phase.CONTRACT):
            if phase <= last:
                mig.phase(op, phase)
        for phase in reversed([p for p in Phase if p <= last]):
            mig.phase(op, phase, undo=True)
        after = mig.columns("t")
        assert set(after) == set(before)
        assert {k: v for k, v in after.items()} == before
        if case.name != "safe_drop_column" or last < Phase.CONTRACT:
            assert mig.sql("SELECT * FROM t ORDER BY id") == data
        assert mig.sql("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'zdm_%'") == [(0,)]
    finally:
        mig.close()


def test_type_without_cast_is_one_sentence(pg_url: str) -> None:
    mig = Migration(pg_url)
    try:
        mig.sql("CREATE TABLE t (id bigserial PRIMARY KEY, flag boolean)")
        before = mig.columns("t")
        with pytest.raises(
            SchemaObjectError, match=r"Cannot convert t\.flag to DATE: .*pass using="
        ):
            mig.expand(lambda op: op.safe_change_column_type("t", "flag", sa.Date()))
        assert mig.columns("t") == before
    finally:
        mig.close()


def test_add_required_column_needs_a_server_default(pg_url: str) -> None:
    mig = Migration(pg_url)
    try:
        mig.sql("CREATE TABLE t (id bigserial PRIMARY KEY)")
        with pytest.raises(SchemaObjectError, match="needs server_default"):
            mig.expand(lambda op: op.add_required_column("t", sa.Column("c", sa.Integer())))
        assert set(mig.columns("t")) == {"id"}
    finally:
        mig.close()


def test_safe_drop_table_with_models_check(
    pg_url: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alembic_zdm.errors import ModelsCheckError, ZdmError
    from alembic_zdm.ops.tables import SafeDropTableOp

    (tmp_path / "zdm_models_fixture.py").write_text(
        "import sqlalchemy as sa\nfrom sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n"
        "class Base(DeclarativeBase):\n    pass\n"
        "class Legacy(Base):\n    __tablename__ = 'legacy'\n    id: Mapped[int] = mapped_column(primary_key=True)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    mig = Migration(pg_url, models="zdm_models_fixture:Base")
    try:
        mig.sql("CREATE TABLE legacy (id bigserial PRIMARY KEY, v text NOT NULL)")
        mig.sql("CREATE INDEX legacy_v_idx ON legacy (v)")
        mig.sql(
            "CREATE TABLE child (id bigserial PRIMARY KEY, legacy_id bigint REFERENCES legacy (id))"
        )
        op = SafeDropTableOp("legacy")
        mig.expand(lambda o: o.safe_drop_table("legacy"))
        mig.sql("INSERT INTO legacy DEFAULT VALUES")  # new code no longer fills v
        with pytest.raises(
            ModelsCheckError, match=r"Refusing to drop table legacy: .* still map it as Legacy"
        ):
            mig.phase(op, Phase.CONTRACT)
        assert "legacy" in [r[0] for r in mig.sql("SELECT tablename FROM pg_tables")]
        mig.ctx._zdm_settings = mig.ctx._zdm_settings.with_overrides(force=True)  # type: ignore[attr-defined]
        mig.phase(op, Phase.CONTRACT)
        assert "legacy" not in [r[0] for r in mig.sql("SELECT tablename FROM pg_tables")]
        assert mig.sql("SELECT count(*) FROM pg_constraint WHERE contype = 'f'") == [(0,)]
        mig.phase(op, Phase.CONTRACT, undo=True)  # moved back from the archive
        assert mig.sql("SELECT count(*) FROM legacy") == [(1,)]
        assert mig.sql("SELECT conname FROM pg_constraint WHERE contype = 'f'") == [
            ("child_legacy_id_fkey",)
        ]
        mig.phase(op, Phase.CONTRACT)
        mig.ctx._zdm_settings = mig.ctx._zdm_settings.with_overrides(backup=False)  # type: ignore[attr-defined]
        mig.sql("DROP SCHEMA zdm_archive CASCADE")  # purged
        with pytest.raises(ZdmError, match="cannot be restored by a rollback"):
            mig.phase(op, Phase.CONTRACT, undo=True)
    finally:
        mig.close()
