"""Exact SQL of set_not_null_safe on PostgreSQL 12–17 and 18+, next to plain Alembic."""

from __future__ import annotations

from alembic_zdm.ops.not_null import SetNotNullSafeOp
from alembic_zdm.phases.model import Phase
from alembic_zdm.testing.capture import capture_sql

DDL = ["SET LOCAL lock_timeout = '500ms'", "SET LOCAL statement_timeout = '1min'"]
LONG = ["SET LOCAL lock_timeout = '0'", "SET LOCAL statement_timeout = '1h'"]


def own(*statements: str) -> list[str]:
    return ["BEGIN", *statements, "COMMIT"]


def contract_sql(server_version: tuple[int, ...] | None, undo: bool = False) -> list[str]:
    with capture_sql(server_version=server_version) as (op, sql):
        sql.clear()
        SetNotNullSafeOp("users", "email").run_phase(op, Phase.CONTRACT, undo)
    return sql.statements


def test_naive_alter_column() -> None:
    with capture_sql() as (op, sql):
        op.alter_column("users", "email", nullable=False)
    assert sql.statements[1] == "ALTER TABLE users ALTER COLUMN email SET NOT NULL"


def test_check_backed_sequence_pg12_to_17() -> None:
    assert contract_sql((15, 4)) == [
        "COMMIT",
        *own(
            *DDL,
            "ALTER TABLE users ADD CONSTRAINT zdm_nn_users_email CHECK (email IS NOT NULL) NOT VALID",
        ),
        *own(*LONG, "ALTER TABLE users VALIDATE CONSTRAINT zdm_nn_users_email"),
        *own(*DDL, "ALTER TABLE users ALTER COLUMN email SET NOT NULL"),
        *own(*DDL, "ALTER TABLE users DROP CONSTRAINT IF EXISTS zdm_nn_users_email"),
        "BEGIN",
        "COMMIT",
    ]


def test_offline_without_version_uses_the_check_backed_form() -> None:
    assert contract_sql(None) == contract_sql((12, 0))


def test_native_not_null_not_valid_pg18() -> None:
    assert contract_sql((18, 0)) == [
        "COMMIT",
        *own(*DDL, "ALTER TABLE users ADD CONSTRAINT zdm_nn_users_email NOT NULL email NOT VALID"),
        *own(*LONG, "ALTER TABLE users VALIDATE CONSTRAINT zdm_nn_users_email"),
        "BEGIN",
        "COMMIT",
    ]


def test_undo_contract() -> None:
    assert contract_sql((15, 0), undo=True) == [
        "COMMIT",
        *own(*DDL, "ALTER TABLE users DROP CONSTRAINT IF EXISTS zdm_nn_users_email"),
        *own(*DDL, "ALTER TABLE users ALTER COLUMN email DROP NOT NULL"),
        "BEGIN",
        "COMMIT",
    ]


def test_nothing_in_expand_or_migrate() -> None:
    for phase in (Phase.EXPAND, Phase.MIGRATE):
        with capture_sql() as (op, sql):
            sql.clear()
            SetNotNullSafeOp("users", "email").run_phase(op, phase, False)
        assert sql.statements == ["COMMIT"]


def test_long_names_are_capped_by_naming() -> None:
    table, column = "t" * 40, "c" * 40
    with capture_sql() as (op, sql):
        op.set_not_null_safe(table, column)
    check = [s for s in sql.statements if "ADD CONSTRAINT" in s][0]
    name = check.split("ADD CONSTRAINT ")[1].split(" ")[0]
    assert len(name) == 63 and name.startswith("zdm_nn_ttt")
