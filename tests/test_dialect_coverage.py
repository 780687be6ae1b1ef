"""Every operation either has a plan on each database or refuses in one clear sentence.

Each op is run offline (``--sql``) on PostgreSQL, MySQL 8, MariaDB and SQLite, every
phase and every undo. It must emit SQL, or raise
:class:`~alembic_zdm.errors.UnsupportedDialectError` with one sentence saying why —
never another exception, never silence by accident.
"""

from __future__ import annotations

import inspect as pyinspect
from collections.abc import Callable
from typing import Any

import alembic  # noqa: F401  (plugin first)
import pytest
import sqlalchemy as sa
from alembic.operations import MigrateOperation

from alembic_zdm import ops as ops_package
from alembic_zdm.dialects.capabilities import MIN_VERSIONS, profile
from alembic_zdm.errors import UnsupportedDialectError
from alembic_zdm.ops import register_all
from alembic_zdm.ops.base import PatternOperation
from alembic_zdm.ops.tables import SafeDropTableOp
from alembic_zdm.phases.model import Phase
from alembic_zdm.testing.capture import capture_sql

register_all()

DIALECTS = {
    "postgresql": (16, 2),
    "mysql": (8, 0, 36),
    "mariadb": (10, 11, 5),
    "sqlite": (3, 45, 0),
}

CALLS: dict[str, Callable[[Any], None]] = {
    "add_index_concurrently": lambda op: op.add_index_concurrently("ix_u_e", "users", ["email"]),
    "drop_index_concurrently": lambda op: op.drop_index_concurrently("ix_u_e", "users"),
    "add_foreign_key_safe": lambda op: op.add_foreign_key_safe(
        "fk_o_u", "orders", "users", ["user_id"], ["id"]
    ),
    "add_check_constraint_safe": lambda op: op.add_check_constraint_safe(
        "ck_o_a", "orders", "amount > 0", table_columns=["id", "amount"]
    ),
    "add_unique_constraint_safe": lambda op: op.add_unique_constraint_safe(
        "uq_u_e", "users", ["email"]
    ),
    "set_not_null_safe": lambda op: op.set_not_null_safe(
        "users", "email", existing_type=sa.String(100)
    ),
    "validate_column_exists": lambda op: op.validate_column_exists("users", "email"),
    "validate_column_not_exists": lambda op: op.validate_column_not_exists("users", "email"),
    "validate_data_integrity": lambda op: op.validate_data_integrity(
        "SELECT id FROM users WHERE email IS NULL", "emails missing"
    ),
    "backfill": lambda op: op.backfill("users", set={"email_lower": "lower(email)"}),
    "validate_backfill": lambda op: op.validate_backfill(
        "users", column="email_lower", expected="lower(email)"
    ),
    "enable_dual_write": lambda op: op.enable_dual_write("users", "email", "email_address"),
    "disable_dual_write": lambda op: op.disable_dual_write("users", "email", "email_address"),
    "safe_rename_column": lambda op: op.safe_rename_column(
        "users", "email", "email_address", existing_type=sa.String(100)
    ),
    "safe_change_column_type": lambda op: op.safe_change_column_type(
        "users", "age", sa.BigInteger(), existing_type=sa.Integer()
    ),
    "add_required_column": lambda op: op.add_required_column(
        "users", sa.Column("currency", sa.String(3)), server_default="'EUR'"
    ),
    "safe_drop_column": lambda op: op.safe_drop_column("users", "legacy", existing_type=sa.Text()),
    "safe_drop_table": lambda op: op.safe_drop_table("legacy"),
    "split_column": lambda op: op.split_column(
        "users",
        "name",
        [sa.Column("first", sa.Text()), sa.Column("last", sa.Text())],
        forward={"first": "name", "last": "name"},
        backward="first",
        existing_type=sa.Text(),
    ),  # fmt: skip
    "merge_columns": lambda op: op.merge_columns(
        "users",
        ["first", "last"],
        sa.Column("name", sa.Text()),
        forward="first",
        backward={"first": "name", "last": "name"},
        existing_types={"first": sa.Text(), "last": sa.Text()},
    ),  # fmt: skip
}


def registered_ops() -> dict[str, type[MigrateOperation]]:
    """Every ``op.*`` this plugin registers, by method name."""
    import importlib
    import pkgutil

    found = {}
    for info in pkgutil.iter_modules(ops_package.__path__):
        if info.name.startswith("_") or info.name == "base":
            continue
        module = importlib.import_module(f"{ops_package.__name__}.{info.name}")
        for _, cls in pyinspect.getmembers(module, pyinspect.isclass):
            if issubclass(cls, MigrateOperation) and cls.__module__ == module.__name__:
                for name, member in vars(cls).items():
                    if isinstance(member, classmethod) and not name.startswith("_"):
                        found[name] = cls
    return found


def test_every_registered_op_is_covered_here() -> None:
    assert set(registered_ops()) == set(CALLS)


def _run(dialect: str, call: Callable[[Any], None]) -> list[str]:
    """Run *call* offline; for a pattern op, every phase and every undo."""
    from alembic_zdm.ops.base import CollectingOperations

    out: list[str] = []
    with capture_sql(dialect, server_version=DIALECTS[dialect]) as (op, sql):
        collector = CollectingOperations(op.get_context())
        call(collector)
        collected = collector.collected[0]
        if isinstance(collected, PatternOperation):
            for undo in (False, True):
                for phase in reversed(list(Phase)) if undo else Phase:
                    if undo and phase is Phase.CONTRACT and isinstance(collected, SafeDropTableOp):
                        continue  # refuses by design: a dropped table cannot be restored
                    collected.run_phase(op, phase, undo)
        else:
            call(op)
        out = sql.statements
    return out


@pytest.mark.parametrize("dialect", list(DIALECTS))
@pytest.mark.parametrize("name", sorted(CALLS))
def test_op_has_a_plan_or_a_one_sentence_refusal(name: str, dialect: str) -> None:
    try:
        statements = _run(dialect, CALLS[name])
    except UnsupportedDialectError as exc:
        message = str(exc)
        assert "\n" not in message and message.endswith("."), message
        assert (
            dialect in message.lower()
            or "offline" in message.lower()
            or "online" in message.lower()
        ), message
        return
    assert statements, f"{name} emitted nothing on {dialect}"


def test_capability_profiles_live_in_one_place() -> None:
    assert set(MIN_VERSIONS) == set(DIALECTS)
    assert profile("mysql", (8, 0, 29)).instant_add_column is False
    assert profile("mysql", (8, 0, 30)).instant_add_column is True
    assert profile("mysql", (8, 0, 30)).instant_row_versions is True
    assert profile("mariadb", (10, 11, 5)).ddl_wait_clause is True
    assert profile("mariadb", (10, 11, 5)).instant_row_versions is False
    assert (
        profile("sqlite", (3, 45)).single_writer and not profile("sqlite", None).native_alter_column
    )
    assert profile("postgresql", None).transactional_ddl
    assert not profile("mysql", None).transactional_ddl
