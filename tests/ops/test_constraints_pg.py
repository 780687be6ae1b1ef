"""Constraint ops, set_not_null_safe and the validations on a real PostgreSQL."""

from __future__ import annotations

import pytest

from alembic_zdm.errors import DataIntegrityError, SchemaObjectError
from alembic_zdm.ops.constraints import AddForeignKeySafeOp, AddUniqueConstraintSafeOp
from alembic_zdm.ops.not_null import SetNotNullSafeOp
from alembic_zdm.phases.model import Phase
from alembic_zdm.testing.capture import online_operations

pytestmark = pytest.mark.postgresql

CONSTRAINTS = (
    "SELECT conname, contype, convalidated FROM pg_constraint "
    "WHERE conrelid = 'orders'::regclass AND contype <> 'p' ORDER BY 1"
)


@pytest.fixture
def tables(sql) -> None:
    sql("CREATE TABLE users (id int PRIMARY KEY, email text)")
    sql("CREATE TABLE orders (id serial PRIMARY KEY, user_id int, amount int, code text)")
    sql("INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 100) g")
    sql(
        "INSERT INTO orders (user_id, amount, code) SELECT g, g, 'c' || g FROM generate_series(1, 100) g"
    )


def test_foreign_key_phase_by_phase(pg_url: str, sql, tables) -> None:
    fk = AddForeignKeySafeOp("fk_orders_user", "orders", "users", ["user_id"], ["id"])
    with online_operations(pg_url) as op:
        fk.run_phase(op, Phase.EXPAND, False)
    assert sql(CONSTRAINTS) == [("fk_orders_user", "f", False)]
    with online_operations(pg_url) as op:
        fk.run_phase(op, Phase.MIGRATE, False)
        fk.run_phase(op, Phase.MIGRATE, False)  # a re-run is skipped
    assert sql(CONSTRAINTS) == [("fk_orders_user", "f", True)]
    with online_operations(pg_url) as op:
        fk.run_phase(op, Phase.MIGRATE, True)
        fk.run_phase(op, Phase.EXPAND, True)
    assert sql(CONSTRAINTS) == []


def test_foreign_key_violation_names_the_row(pg_url: str, sql, tables) -> None:
    sql("UPDATE orders SET user_id = 999 WHERE id = 7")
    with pytest.raises(DataIntegrityError) as caught, online_operations(pg_url) as op:
        op.add_foreign_key_safe("fk_orders_user", "orders", "users", ["user_id"], ["id"])
    assert str(caught.value) == (
        "Validate constraint 'fk_orders_user' on 'orders' failed because existing rows break "
        'it: insert or update on table "orders" violates foreign key constraint '
        '"fk_orders_user" (Key (user_id)=(999) is not present in table "users"); fix those '
        "rows and run the migration again."
    )
    # NOT VALID stays (new rows are checked); a re-run after fixing the row completes.
    assert sql(CONSTRAINTS) == [("fk_orders_user", "f", False)]
    sql("UPDATE orders SET user_id = 7 WHERE id = 7")
    with online_operations(pg_url) as op:
        op.add_foreign_key_safe("fk_orders_user", "orders", "users", ["user_id"], ["id"])
    assert sql(CONSTRAINTS) == [("fk_orders_user", "f", True)]


def test_foreign_key_bad_input(pg_url: str, sql, tables) -> None:
    with pytest.raises(SchemaObjectError, match="^Table 'users' has no column 'uid'"):
        with online_operations(pg_url) as op:
            op.add_foreign_key_safe("fk", "orders", "users", ["user_id"], ["uid"])
    fk = AddForeignKeySafeOp("fk", "orders", "users", ["user_id"], ["id"])
    with pytest.raises(SchemaObjectError) as caught, online_operations(pg_url) as op:
        fk.run_phase(op, Phase.MIGRATE, False)
    assert str(caught.value) == (
        "Constraint 'fk' does not exist on table 'orders', so it cannot be validated; "
        "run the expand phase of this revision first."
    )
    assert sql(CONSTRAINTS) == []


def test_check_constraint(pg_url: str, sql, tables) -> None:
    sql("UPDATE orders SET amount = -1 WHERE id = 3")
    with pytest.raises(DataIntegrityError, match="violated by some row"):
        with online_operations(pg_url) as op:
            op.add_check_constraint_safe("ck_amount", "orders", "amount > 0")
    sql("UPDATE orders SET amount = 1 WHERE id = 3")
    with online_operations(pg_url) as op:
        op.add_check_constraint_safe("ck_amount", "orders", "amount > 0")
    assert sql(CONSTRAINTS) == [("ck_amount", "c", True)]
    with pytest.raises(SchemaObjectError, match="^Table 'nope' does not exist"):
        with online_operations(pg_url) as op:
            op.add_check_constraint_safe("ck", "nope", "a > 0")


def test_unique_constraint(pg_url: str, sql, tables) -> None:
    uq = AddUniqueConstraintSafeOp("uq_orders_code", "orders", ["code"])
    with pytest.raises(SchemaObjectError, match="run the expand phase of this revision first"):
        with online_operations(pg_url) as op:
            uq.run_phase(op, Phase.MIGRATE, False)
    with online_operations(pg_url) as op:
        uq.run_phase(op, Phase.EXPAND, False)
    assert sql("SELECT indisvalid FROM pg_index WHERE indexrelid = 'uq_orders_code'::regclass") == [
        (True,)
    ]
    with online_operations(pg_url) as op:
        uq.run_phase(op, Phase.MIGRATE, False)
    assert sql(CONSTRAINTS) == [("uq_orders_code", "u", True)]
    with online_operations(pg_url) as op:
        uq.run_phase(op, Phase.EXPAND, True)
    assert sql(CONSTRAINTS) == []
    assert sql("SELECT to_regclass('uq_orders_code')") == [(None,)]


def test_unique_constraint_over_duplicates(pg_url: str, sql, tables) -> None:
    sql("UPDATE orders SET code = 'c1' WHERE id = 2")
    with pytest.raises(DataIntegrityError, match=r"\(Key \(code\)=\(c1\) is duplicated\)"):
        with online_operations(pg_url) as op:
            op.add_unique_constraint_safe("uq_orders_code", "orders", ["code"])
    assert sql("SELECT count(*) FROM pg_index WHERE NOT indisvalid") == [(0,)]
    assert sql(CONSTRAINTS) == []


def test_set_not_null_safe(pg_url: str, sql, tables) -> None:
    nn = SetNotNullSafeOp("orders", "amount")
    with online_operations(pg_url) as op:
        nn.run_phase(op, Phase.EXPAND, False)
        nn.run_phase(op, Phase.MIGRATE, False)
    assert sql(
        "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'amount'"
    ) == [(False,)]
    with online_operations(pg_url) as op:
        nn.run_phase(op, Phase.CONTRACT, False)
        nn.run_phase(op, Phase.CONTRACT, False)  # a re-run does nothing
    assert sql(
        "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'amount'"
    ) == [(True,)]
    assert sql(CONSTRAINTS) == []
    with online_operations(pg_url) as op:
        nn.run_phase(op, Phase.CONTRACT, True)
    assert sql(
        "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'amount'"
    ) == [(False,)]


def test_set_not_null_safe_with_nulls_then_rerun(pg_url: str, sql, tables) -> None:
    sql("UPDATE orders SET code = NULL WHERE id = 5")
    with pytest.raises(DataIntegrityError, match="zdm_nn_orders_code"):
        with online_operations(pg_url) as op:
            op.set_not_null_safe("orders", "code")
    sql("UPDATE orders SET code = 'x' WHERE id = 5")
    with online_operations(pg_url) as op:
        op.set_not_null_safe("orders", "code")
    assert sql(CONSTRAINTS) == []
    with pytest.raises(SchemaObjectError, match="has no column 'nope'"):
        with online_operations(pg_url) as op:
            op.set_not_null_safe("orders", "nope")


def test_validations(pg_url: str, sql, tables) -> None:
    with online_operations(pg_url) as op:
        op.validate_column_exists("orders", "code")
        op.validate_column_not_exists("orders", "email")
        op.validate_data_integrity("SELECT id FROM orders WHERE amount < 0", "Negative amounts")
    with pytest.raises(SchemaObjectError) as caught, online_operations(pg_url) as op:
        op.validate_column_exists("orders", "email")
    assert str(caught.value) == (
        "Column 'email' of table 'orders' does not exist, so this phase stops; "
        "check that the earlier phases ran."
    )
    with pytest.raises(SchemaObjectError, match="still exists"), online_operations(pg_url) as op:
        op.validate_column_not_exists("orders", "code")
    sql("UPDATE orders SET amount = -1 WHERE id < 4")
    with pytest.raises(DataIntegrityError) as caught, online_operations(pg_url) as op:
        op.validate_data_integrity("SELECT id FROM orders WHERE amount < 0;", "Negative amounts")
    assert str(caught.value) == "Negative amounts (3 offending rows)"
