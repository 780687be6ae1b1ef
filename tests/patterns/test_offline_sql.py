"""Exact SQL of each pattern op per phase, offline (no database), naive and safe side by side."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import alembic  # noqa: F401  (plugin first)
import pytest
import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext

from alembic_zdm.ops import register_all
from alembic_zdm.ops.base import CollectingOperations
from alembic_zdm.phases.context import PhaseRun, phase_run
from alembic_zdm.phases.model import Phase

register_all()


def offline(call: Callable[[Any], None], phase: Phase, undo: bool = False) -> list[str]:
    """The statements the op writes for *phase*, without blank lines and timeouts."""
    buf = io.StringIO()
    ctx = MigrationContext.configure(
        dialect_name="postgresql", opts={"as_sql": True, "output_buffer": buf}
    )
    op = Operations(ctx)
    if phase is Phase.EXPAND and not undo:
        with phase_run(PhaseRun(phase)):
            call(op)
    else:
        collector = CollectingOperations(ctx)
        call(collector)
        with phase_run(PhaseRun(phase, undo=undo)):
            collector.pattern_ops[0].run_phase(op, phase, undo)
    return [s.strip() for s in buf.getvalue().split(";\n\n") if s.strip() and "_timeout" not in s]


def naive(call: Callable[[Any], None]) -> list[str]:
    buf = io.StringIO()
    ctx = MigrationContext.configure(
        dialect_name="postgresql", opts={"as_sql": True, "output_buffer": buf}
    )
    call(Operations(ctx))
    return [s.strip() for s in buf.getvalue().split(";\n\n") if s.strip()]


def rename(op: Any) -> None:
    op.safe_rename_column("users", "email", "email_address", existing_type=sa.Text())


def test_rename_naive_vs_safe() -> None:
    assert naive(lambda op: op.alter_column("users", "email", new_column_name="email_address")) == [
        "ALTER TABLE users RENAME email TO email_address"  # breaks every running old-code query
    ]
    expand = offline(rename, Phase.EXPAND)
    assert expand[0] == "ALTER TABLE users ADD COLUMN email_address TEXT"
    assert expand[1].startswith(
        "CREATE OR REPLACE FUNCTION zdm_dwfn_users_email_email_address() RETURNS trigger LANGUAGE plpgsql"
    )
    assert (
        "ELSIF NEW.email IS DISTINCT FROM OLD.email THEN NEW.email_address := NEW.email;"
        in expand[1]
    )
    assert expand[2] == (
        "CREATE TRIGGER zdm_dw_users_email_email_address BEFORE INSERT OR UPDATE ON users "
        "FOR EACH ROW EXECUTE FUNCTION zdm_dwfn_users_email_email_address()"
    )
    migrate = offline(rename, Phase.MIGRATE)
    assert migrate[0] == "COMMIT"
    assert migrate[1].startswith("DO $zdm$") and "COMMIT;\n  LOOP" in migrate[1]
    assert (
        "UPDATE users SET email_address=(email) WHERE users.id > zdm_lo_0 AND users.id <= zdm_hi_0 "
        "AND users.email_address IS DISTINCT FROM (email);" in migrate[1]
    )
    assert "OFFSET 999 INTO zdm_hi_0" in migrate[1]
    assert "RAISE EXCEPTION" in migrate[-1]
    assert offline(rename, Phase.CONTRACT) == [
        "DROP TRIGGER IF EXISTS zdm_dw_users_email_email_address ON users",
        "DROP FUNCTION IF EXISTS zdm_dwfn_users_email_email_address()",
        "ALTER TABLE users DROP COLUMN email",
    ]
    assert offline(rename, Phase.EXPAND, undo=True) == [
        "DROP TRIGGER IF EXISTS zdm_dw_users_email_email_address ON users",
        "DROP FUNCTION IF EXISTS zdm_dwfn_users_email_email_address()",
        "ALTER TABLE users DROP COLUMN email_address",
    ]


def required(op: Any) -> None:
    op.add_required_column("orders", sa.Column("currency", sa.Text()), server_default="'EUR'")


def test_add_required_column_naive_vs_safe() -> None:
    assert naive(
        lambda op: op.add_column(
            "orders", sa.Column("currency", sa.Text(), nullable=False, server_default="EUR")
        )
    ) == ["ALTER TABLE orders ADD COLUMN currency TEXT DEFAULT 'EUR' NOT NULL"]
    assert offline(required, Phase.EXPAND) == [
        "ALTER TABLE orders ADD COLUMN currency TEXT DEFAULT 'EUR'"
    ]
    migrate = offline(required, Phase.MIGRATE)
    assert "AND (currency IS NULL) AND orders.currency IS DISTINCT FROM ('EUR');" in migrate[1]
    contract = [s for s in offline(required, Phase.CONTRACT) if s not in ("BEGIN", "COMMIT")]
    assert contract == [
        "ALTER TABLE orders ADD CONSTRAINT zdm_nn_orders_currency CHECK (currency IS NOT NULL) NOT VALID",
        "ALTER TABLE orders VALIDATE CONSTRAINT zdm_nn_orders_currency",
        "ALTER TABLE orders ALTER COLUMN currency SET NOT NULL",
        "ALTER TABLE orders DROP CONSTRAINT IF EXISTS zdm_nn_orders_currency",
    ]
    assert offline(required, Phase.CONTRACT, undo=True) == [
        "ALTER TABLE orders ALTER COLUMN currency DROP NOT NULL"
    ]


def change_type(op: Any) -> None:
    op.safe_change_column_type("t", "amount", sa.BigInteger(), existing_type=sa.Integer())


def test_change_type_naive_vs_safe() -> None:
    assert naive(lambda op: op.alter_column("t", "amount", type_=sa.BigInteger())) == [
        "ALTER TABLE t ALTER COLUMN amount TYPE BIGINT"  # rewrites the table under ACCESS EXCLUSIVE
    ]
    expand = offline(change_type, Phase.EXPAND)
    # Two conversion functions first: the value (NULL when it does not convert, so the
    # old application's write never fails) and whether it converts (for the checks).
    assert expand[0] == (
        "CREATE OR REPLACE FUNCTION zdm_cv_t_amount(zdm_r t) RETURNS BIGINT LANGUAGE plpgsql "
        "STABLE AS $zdm$\nBEGIN\n  RETURN (SELECT (CAST(amount AS BIGINT)) FROM (SELECT "
        "(zdm_r).*) AS zdm_row);\nEXCEPTION WHEN others THEN\n  RETURN (NULL);\nEND\n$zdm$"
    )
    assert expand[1].startswith("CREATE OR REPLACE FUNCTION zdm_cvok_t_amount(zdm_r t) RETURNS")
    assert "EXCEPTION WHEN others THEN\n  RETURN false;" in expand[1]
    assert expand[2] == "ALTER TABLE t ADD COLUMN zdm_new_amount BIGINT"
    assert (
        "NEW.zdm_new_amount IS NULL THEN SELECT (zdm_cv_t_amount(NEW)) INTO NEW.zdm_new_amount"
        in expand[3]
    )
    assert "INTO zdm_same" not in expand[3]  # one-way: nobody writes the shadow column
    contract = offline(change_type, Phase.CONTRACT)
    # the archive first: the old values and the shadow's (the witness), with the key
    assert contract[0] == "CREATE SCHEMA IF NOT EXISTS zdm_archive"
    assert contract[1].startswith("CREATE TABLE zdm_archive.zdm_arch_t_amount_")
    assert contract[1].endswith(" AS SELECT id, amount, zdm_new_amount FROM t")
    assert contract[3].startswith("INSERT INTO zdm_archive.zdm_archive_catalog")
    assert """'{"witnesses": {"zdm_new_amount": "amount"}}'""" in contract[3]
    assert contract[4:] == [
        "LOCK TABLE t IN ACCESS EXCLUSIVE MODE",
        "DROP TRIGGER IF EXISTS zdm_dw_t_amount_zdm_new_amount ON t",
        "DROP FUNCTION IF EXISTS zdm_dwfn_t_amount_zdm_new_amount()",
        "ALTER TABLE t RENAME amount TO zdm_old_amount",
        "ALTER TABLE t RENAME zdm_new_amount TO amount",
        "ALTER TABLE t DROP COLUMN zdm_old_amount",
        "DROP FUNCTION IF EXISTS zdm_cv_t_amount(t)",
        "DROP FUNCTION IF EXISTS zdm_cvok_t_amount(t)",
    ]


def test_split_and_merge_expand() -> None:
    def split(op: Any) -> None:
        op.split_column(
            "u", "name", [sa.Column("first", sa.Text()), sa.Column("last", sa.Text())],
            forward={"first": "split_part(name, ' ', 1)", "last": "split_part(name, ' ', 2)"},
            backward="first || ' ' || last",
        )  # fmt: skip

    expand = offline(split, Phase.EXPAND)
    assert expand[:2] == [
        "ALTER TABLE u ADD COLUMN first TEXT",
        "ALTER TABLE u ADD COLUMN last TEXT",
    ]
    assert (
        "SELECT (first || ' ' || last) INTO NEW.name FROM (SELECT NEW.*) AS zdm_row;" in expand[2]
    )
    contract = offline(split, Phase.CONTRACT)
    assert contract[-1] == "ALTER TABLE u DROP COLUMN name"
    copies = [i for i, sql in enumerate(contract) if sql.startswith("CREATE TABLE zdm_archive.")]
    assert [contract[i].split(" AS ")[1] for i in copies] == ["SELECT id, name, first, last FROM u"]
    assert copies[0] < contract.index("DROP TRIGGER IF EXISTS zdm_dw_u_name_first_last ON u")


def test_drop_table_and_column_contract() -> None:
    moved = offline(lambda op: op.safe_drop_table("legacy"), Phase.CONTRACT)
    assert moved[0] == "CREATE SCHEMA IF NOT EXISTS zdm_archive"
    assert moved[1].startswith("ALTER TABLE legacy RENAME TO zdm_arch_legacy_")
    assert moved[2].startswith("ALTER TABLE zdm_arch_legacy_") and moved[2].endswith(
        " SET SCHEMA zdm_archive"
    )
    assert moved[4].startswith("INSERT INTO zdm_archive.zdm_archive_catalog")
    assert "DROP TABLE" not in " ".join(moved)
    drop = offline(
        lambda op: op.safe_drop_column("u", "flag", existing_nullable=False), Phase.EXPAND
    )
    assert drop == ["ALTER TABLE u ALTER COLUMN flag DROP NOT NULL"]


def test_long_names_are_capped_with_a_hash() -> None:
    from alembic_zdm import naming

    long = "t" * 40
    name = naming.dual_write_trigger(long, ("c" * 30,), ("d" * 30,))
    assert len(name) == 63 and name.startswith("zdm_dw_ttt") and name[-9] == "_"
    assert name != naming.dual_write_trigger(long, ("c" * 30,), ("e" * 30,))
    assert len(naming.dual_write_trigger(long, ("c" * 30,), ("d" * 30,), "mysql")) == 64
    assert naming.shadow_column("amount") == "zdm_new_amount"


@pytest.mark.parametrize("phase", list(Phase))
def test_every_phase_renders_offline(phase: Phase) -> None:
    for call in (rename, required, change_type):
        assert offline(call, phase)
