"""Bad input on MariaDB/MySQL and SQLite: one clear sentence, and the schema as it was."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import alembic  # noqa: F401  (plugin first)
import pytest
import sqlalchemy as sa

from alembic_zdm.errors import DataIntegrityError, SchemaObjectError, ZdmError
from alembic_zdm.ops.base import CollectingOperations
from alembic_zdm.phases.model import Phase

from .harness import Migration

CASES: list[tuple[str, Callable[[Any], None], type[ZdmError], str]] = [
    ("unknown table", lambda op: op.safe_rename_column("nope", "a", "b"), SchemaObjectError,
     "Table 'nope' does not exist; check the table name in the migration."),
    ("unknown column", lambda op: op.safe_rename_column("t", "nope", "b"), SchemaObjectError,
     "Column 'nope' does not exist on table 't'; existing columns: a, email, id."),
    ("column taken", lambda op: op.safe_rename_column("t", "a", "email"), SchemaObjectError,
     "Cannot rename 'a' to 'email': column 'email' already exists on table 't'; pick another "
     "name or drop that column first."),
    ("index on unknown column", lambda op: op.add_index_concurrently("ix", "t", ["nope"]),
     SchemaObjectError, "Table 't' has no column 'nope'; its columns are a, email, id."),
    ("unique on duplicates", lambda op: op.add_unique_constraint_safe("uq_t_email", "t", ["email"]),
     DataIntegrityError, "failed because existing rows break it"),
    ("not null with NULLs", lambda op: op.set_not_null_safe("t", "a"), DataIntegrityError,
     "t.a still holds NULLs; backfill them first (1 offending rows)."),
    ("check broken by rows", lambda op: op.add_check_constraint_safe("ck_t_a", "t", "a > 5"),
     DataIntegrityError, ""),
]  # fmt: skip


def _snapshot(mig: Migration) -> Any:
    with mig.engine.connect() as conn:
        insp = sa.inspect(conn)
        return (
            [(c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns("t")],
            sorted(i["name"] for i in insp.get_indexes("t")),
            mig.sql("SELECT * FROM t ORDER BY id"),
        )


def _run(mig: Migration, call: Callable[[Any], None]) -> None:
    mig.expand(call)
    collector = CollectingOperations(mig.ctx)
    call(collector)
    for op in collector.pattern_ops:
        for phase in (Phase.MIGRATE, Phase.CONTRACT):
            mig.phase(op, phase)


@pytest.fixture(params=["mysql", "sqlite"])
def url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.mark.parametrize(("label", "call", "error", "message"), CASES, ids=[c[0] for c in CASES])
def test_one_sentence_and_schema_unchanged(
    url: str, label: str, call: Callable[[Any], None], error: type[ZdmError], message: str
) -> None:
    mig = Migration(url)
    try:
        mig.sql("CREATE TABLE t (id integer PRIMARY KEY, a integer, email varchar(40))")
        mig.sql("INSERT INTO t (id, a, email) VALUES (1, NULL, 'x'), (2, 3, 'x')")
        before = _snapshot(mig)
        with pytest.raises(error) as caught:
            _run(mig, call)
        text = str(caught.value)
        assert "\n" not in text and text.endswith("."), text
        assert message in text
        if label == "check broken by rows":
            assert "ck_t_a" in text
        else:
            assert _snapshot(mig) == before
    finally:
        mig.close()


def test_mysql_refuses_not_null_without_strict_mode(mysql_url: str) -> None:
    mig = Migration(mysql_url)
    try:
        mig.sql("CREATE TABLE t (id integer PRIMARY KEY, a integer)")
        mig.sql("INSERT INTO t (id, a) VALUES (1, 1)")
        mig.conn.exec_driver_sql("SET SESSION sql_mode = ''")
        with pytest.raises(SchemaObjectError, match=r"not in strict mode.*\(ZDM132\)\.$"):
            mig.phase(_collect(mig, lambda op: op.set_not_null_safe("t", "a")), Phase.CONTRACT)
        assert mig.sql(
            "SELECT is_nullable FROM information_schema.columns WHERE "
            "table_schema = DATABASE() AND table_name = 't' AND column_name = 'a'"
        ) == [("YES",)]
    finally:
        mig.close()


def _collect(mig: Migration, call: Callable[[Any], None]) -> Any:
    collector = CollectingOperations(mig.ctx)
    call(collector)
    return collector.pattern_ops[0]
