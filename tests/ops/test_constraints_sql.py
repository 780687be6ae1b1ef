"""Exact SQL of the constraint ops on PostgreSQL, per phase, next to plain Alembic."""

from __future__ import annotations

import pytest
from alembic.operations import Operations

from alembic_zdm.ops.constraints import (
    AddCheckConstraintSafeOp,
    AddForeignKeySafeOp,
    AddUniqueConstraintSafeOp,
)
from alembic_zdm.phases.model import Phase
from alembic_zdm.testing.capture import capture_sql

DDL_SET = ["SET LOCAL lock_timeout = '500ms'", "SET LOCAL statement_timeout = '1min'"]
DDL_RESET = ["SET LOCAL lock_timeout TO DEFAULT", "SET LOCAL statement_timeout TO DEFAULT"]
VALIDATE_SET = ["SET LOCAL lock_timeout = '0'", "SET LOCAL statement_timeout = '1h'"]


def phase_sql(op_obj: object, phase: Phase, undo: bool = False) -> list[str]:
    """The statements one phase of a pattern op emits (inside the phase's transaction)."""
    with capture_sql() as (op, sql):
        sql.clear()
        op_obj.run_phase(op, phase, undo)  # type: ignore[attr-defined]
    return sql.statements[:-1]  # the phase transaction's COMMIT


FK = AddForeignKeySafeOp(
    "fk_orders_user", "orders", "users", ["user_id"], ["id"], ondelete="cascade"
)


def test_foreign_key_naive_vs_phases() -> None:
    with capture_sql() as (op, naive):
        op.create_foreign_key(
            "fk_orders_user", "orders", "users", ["user_id"], ["id"], ondelete="CASCADE"
        )
    assert naive.statements[1] == (
        "ALTER TABLE orders ADD CONSTRAINT fk_orders_user FOREIGN KEY(user_id) "
        "REFERENCES users (id) ON DELETE CASCADE"
    )
    assert phase_sql(FK, Phase.EXPAND) == [
        *DDL_SET,
        "ALTER TABLE orders ADD CONSTRAINT fk_orders_user FOREIGN KEY (user_id) "
        "REFERENCES users (id) ON DELETE CASCADE NOT VALID",
        *DDL_RESET,
    ]
    assert phase_sql(FK, Phase.MIGRATE) == [
        "COMMIT",
        "BEGIN",
        *VALIDATE_SET,
        "ALTER TABLE orders VALIDATE CONSTRAINT fk_orders_user",
        "COMMIT",
        "BEGIN",
    ]
    assert phase_sql(FK, Phase.CONTRACT) == []
    assert phase_sql(FK, Phase.EXPAND, undo=True) == [
        *DDL_SET,
        "ALTER TABLE orders DROP CONSTRAINT IF EXISTS fk_orders_user",
        *DDL_RESET,
    ]
    assert phase_sql(FK, Phase.MIGRATE, undo=True) == []


def test_foreign_key_options_and_schemas() -> None:
    fk = AddForeignKeySafeOp(
        "fk",
        "orders",
        "users",
        ["a", "b"],
        ["x", "y"],
        onupdate="set null",
        deferrable=True,
        initially="deferred",
        match="full",
        source_schema="s1",
        referent_schema="S2",
    )
    assert (
        'ALTER TABLE s1.orders ADD CONSTRAINT fk FOREIGN KEY (a, b) REFERENCES "S2".users (x, y) '
        "MATCH FULL ON UPDATE SET NULL DEFERRABLE INITIALLY DEFERRED NOT VALID"
    ) in phase_sql(fk, Phase.EXPAND)


def test_bad_keyword_is_one_sentence() -> None:
    from alembic_zdm.errors import ZdmError

    fk = AddForeignKeySafeOp("fk", "o", "u", ["a"], ["b"], ondelete="DROP TABLE users")
    with pytest.raises(ZdmError, match="not a valid SQL keyword here; use one of CASCADE"):
        phase_sql(fk, Phase.EXPAND)


def test_check_constraint_naive_vs_phases() -> None:
    with capture_sql() as (op, naive):
        op.create_check_constraint("ck_orders_amount", "orders", "amount > 0")
    assert naive.statements[1] == (
        "ALTER TABLE orders ADD CONSTRAINT ck_orders_amount CHECK (amount > 0)"
    )
    ck = AddCheckConstraintSafeOp("ck_orders_amount", "orders", "amount > 0")
    assert phase_sql(ck, Phase.EXPAND) == [
        *DDL_SET,
        "ALTER TABLE orders ADD CONSTRAINT ck_orders_amount CHECK (amount > 0) NOT VALID",
        *DDL_RESET,
    ]
    assert "ALTER TABLE orders VALIDATE CONSTRAINT ck_orders_amount" in phase_sql(ck, Phase.MIGRATE)


def test_unique_constraint_naive_vs_phases() -> None:
    with capture_sql() as (op, naive):
        op.create_unique_constraint("uq_users_email", "users", ["email"])
    assert naive.statements[1] == "ALTER TABLE users ADD CONSTRAINT uq_users_email UNIQUE (email)"
    uq = AddUniqueConstraintSafeOp("uq_users_email", "users", ["email"])
    assert phase_sql(uq, Phase.EXPAND) == [
        "COMMIT",
        "SET lock_timeout = '0'",
        "SET statement_timeout = '1h'",
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS uq_users_email ON users (email)",
        "RESET lock_timeout",
        "RESET statement_timeout",
        "BEGIN",
    ]
    assert phase_sql(uq, Phase.MIGRATE) == [
        *DDL_SET,
        "ALTER TABLE users ADD CONSTRAINT uq_users_email UNIQUE USING INDEX uq_users_email",
        *DDL_RESET,
    ]
    undo = phase_sql(uq, Phase.EXPAND, undo=True)
    assert undo[2] == "ALTER TABLE users DROP CONSTRAINT IF EXISTS uq_users_email"
    assert "DROP INDEX CONCURRENTLY IF EXISTS uq_users_email" in undo
    # undo of migrate leaves what expand left: the unique index, no constraint
    undo_migrate = phase_sql(uq, Phase.MIGRATE, undo=True)
    drop = undo_migrate.index("ALTER TABLE users DROP CONSTRAINT IF EXISTS uq_users_email")
    build = undo_migrate.index(
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS uq_users_email ON users (email)"
    )
    assert drop < build


def test_plain_upgrade_runs_every_phase_in_order() -> None:
    with capture_sql() as (op, sql):
        op.add_check_constraint_safe("ck", "t", "a > 0", lock_timeout_ms=250)
    assert sql.statements == [
        "BEGIN",
        "SET LOCAL lock_timeout = '250ms'",
        "SET LOCAL statement_timeout = '1min'",
        "ALTER TABLE t ADD CONSTRAINT ck CHECK (a > 0) NOT VALID",
        "SET LOCAL lock_timeout TO DEFAULT",
        "SET LOCAL statement_timeout TO DEFAULT",
        "COMMIT",
        "BEGIN",
        *VALIDATE_SET,
        "ALTER TABLE t VALIDATE CONSTRAINT ck",
        "COMMIT",
        "BEGIN",
        "COMMIT",
    ]


def test_ops_are_registered_on_operations() -> None:
    for name in ("add_foreign_key_safe", "add_check_constraint_safe", "add_unique_constraint_safe"):
        assert ":param" in getattr(Operations, name).__doc__
