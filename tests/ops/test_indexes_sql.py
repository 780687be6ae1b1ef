"""Exact SQL of the index ops on PostgreSQL, next to what plain Alembic emits."""

from __future__ import annotations

import sqlalchemy as sa

from alembic_zdm.testing.capture import capture_sql

CONCURRENT_SET = ["SET lock_timeout = '0'", "SET statement_timeout = '1h'"]
CONCURRENT_RESET = ["RESET lock_timeout", "RESET statement_timeout"]


def test_add_index_concurrently_vs_create_index() -> None:
    with capture_sql() as (op, naive):
        op.create_index("ix_users_email", "users", ["email"])
    with capture_sql() as (op, safe):
        op.add_index_concurrently("ix_users_email", "users", ["email"])

    assert naive.statements == ["BEGIN", "CREATE INDEX ix_users_email ON users (email)", "COMMIT"]
    assert safe.statements == [
        "BEGIN",
        "COMMIT",
        *CONCURRENT_SET,
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_users_email ON users (email)",
        *CONCURRENT_RESET,
        "BEGIN",
        "COMMIT",
    ]


def test_unique_partial_index_with_schema_method_and_include() -> None:
    with capture_sql() as (op, sql):
        op.add_index_concurrently(
            "ix_Orders",
            "Orders",
            ["user", sa.text("lower(code)")],
            unique=True,
            where="deleted_at IS NULL",
            schema="Sales",
            postgresql_using="btree",
            postgresql_include=["total"],
        )
    assert (
        'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "ix_Orders" ON "Sales"."Orders" '
        'USING btree ("user", lower(code)) INCLUDE (total) WHERE deleted_at IS NULL'
    ) in sql.statements


def test_settings_overrides_reach_the_timeouts() -> None:
    with capture_sql() as (op, sql):
        op.add_index_concurrently(
            "ix_a", "t", ["a"], concurrent_statement_timeout_ms=90_000, concurrent_lock_timeout_ms=0
        )
    assert "SET statement_timeout = '90s'" in sql.statements


def test_drop_index_concurrently_vs_drop_index() -> None:
    with capture_sql() as (op, naive):
        op.drop_index("ix_users_email", "users")
    with capture_sql() as (op, safe):
        op.drop_index_concurrently("ix_users_email", "users", schema="app")

    assert naive.statements == ["BEGIN", "DROP INDEX ix_users_email", "COMMIT"]
    assert safe.statements == [
        "BEGIN",
        "COMMIT",
        *CONCURRENT_SET,
        "DROP INDEX CONCURRENTLY IF EXISTS app.ix_users_email",
        *CONCURRENT_RESET,
        "BEGIN",
        "COMMIT",
    ]


def test_quoting_goes_through_the_dialect() -> None:
    with capture_sql() as (op, sql):
        op.add_index_concurrently('ix"; DROP TABLE users; --', "select", ['a"b'])
    assert (
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS "ix""; DROP TABLE users; --" ON "select" ("a""b")'
        in sql.statements
    )
