"""add_index_concurrently / drop_index_concurrently on a real PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from alembic_zdm.errors import DataIntegrityError, SchemaObjectError
from alembic_zdm.testing.capture import online_operations
from alembic_zdm.testing.load import StatementWriter as Writer

pytestmark = pytest.mark.postgresql

INVALID = "SELECT count(*) FROM pg_index WHERE NOT indisvalid"
INDEXES = "SELECT indexname FROM pg_indexes WHERE tablename = 'users' ORDER BY 1"


@pytest.fixture
def users(sql) -> None:
    sql("CREATE TABLE users (id serial PRIMARY KEY, email text, n int)")
    sql("INSERT INTO users (email, n) SELECT 'u' || g, g FROM generate_series(1, 20000) g")


def test_builds_a_valid_index_and_a_rerun_is_a_no_op(pg_url: str, sql, users) -> None:
    for _ in range(2):
        with online_operations(pg_url) as op:
            op.add_index_concurrently("ix_users_email", "users", ["email"], unique=True)
    assert sql(INDEXES) == [("ix_users_email",), ("users_pkey",)]
    assert sql(INVALID) == [(0,)]


def test_failed_unique_build_leaves_no_invalid_index(pg_url: str, sql, users) -> None:
    sql("UPDATE users SET email = 'dup' WHERE id IN (10, 11)")
    with pytest.raises(DataIntegrityError) as caught:
        with online_operations(pg_url) as op:
            op.add_index_concurrently("ix_users_email", "users", ["email"], unique=True)
    assert str(caught.value) == (
        "Build unique index 'ix_users_email' on 'users' concurrently failed because existing "
        'rows break it: could not create unique index "ix_users_email" '
        "(Key (email)=(dup) is duplicated); fix those rows and run the migration again."
    )
    assert sql(INVALID) == [(0,)]
    assert sql(INDEXES) == [("users_pkey",)]


def test_invalid_leftover_of_an_earlier_run_is_dropped_first(pg_url: str, sql, users) -> None:
    sql("UPDATE users SET email = 'dup' WHERE id IN (10, 11)")
    engine = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn, pytest.raises(sa.exc.IntegrityError):
        conn.execute(sa.text("CREATE UNIQUE INDEX CONCURRENTLY ix_users_email ON users (email)"))
    engine.dispose()
    assert sql(INVALID) == [(1,)]
    sql("UPDATE users SET email = 'fixed' WHERE id = 11")
    with online_operations(pg_url) as op:
        op.add_index_concurrently("ix_users_email", "users", ["email"], unique=True)
    assert sql(INVALID) == [(0,)]
    assert sql(
        "SELECT indisunique FROM pg_index WHERE indexrelid = 'ix_users_email'::regclass"
    ) == [(True,)]


def test_concurrent_writer_sees_no_errors(pg_url: str, sql, users) -> None:
    sql("INSERT INTO users (email, n) SELECT 'v' || g, g FROM generate_series(1, 200000) g")
    writer = Writer(pg_url, "INSERT INTO users (email, n) VALUES (md5(random()::text), 1)")
    writer.start()
    try:
        with online_operations(pg_url) as op:
            op.add_index_concurrently("ix_users_n", "users", ["n"], where="n > 10")
            op.drop_index_concurrently("ix_users_n", "users")
            op.add_index_concurrently("ix_users_n", "users", ["n"])
    finally:
        writer.stop()
    print(
        f"\nCIC with a live writer: {len(writer.latencies)} inserts, max {writer.max_stall_ms:.0f} ms"
    )
    assert writer.errors == []
    assert len(writer.latencies) > 10
    assert ("ix_users_n",) in sql(INDEXES)
    assert sql(INVALID) == [(0,)]


def test_unknown_table_and_column_are_one_sentence(pg_url: str, sql, users) -> None:
    with pytest.raises(SchemaObjectError) as caught, online_operations(pg_url) as op:
        op.add_index_concurrently("ix", "nope", ["email"])
    assert str(caught.value) == (
        "Table 'nope' does not exist; check the table name (and schema) in the operation."
    )
    with pytest.raises(SchemaObjectError) as caught, online_operations(pg_url) as op:
        op.add_index_concurrently("ix", "users", ["email", "mail"])
    assert str(caught.value) == (
        "Table 'users' has no column 'mail'; its columns are email, id, n."
    )
    assert sql(INDEXES) == [("users_pkey",)]


def test_index_name_taken_by_another_table(pg_url: str, sql, users) -> None:
    sql("CREATE TABLE other (a int)")
    sql("CREATE INDEX ix_a ON other (a)")
    with pytest.raises(SchemaObjectError, match="already exists on table 'other'"):
        with online_operations(pg_url) as op:
            op.add_index_concurrently("ix_a", "users", ["n"])


def test_drop_refuses_constraint_backed_index(pg_url: str, sql, users) -> None:
    with pytest.raises(SchemaObjectError) as caught, online_operations(pg_url) as op:
        op.drop_index_concurrently("users_pkey", "users")
    assert str(caught.value) == (
        "Index 'users_pkey' backs the constraint(s) 'users_pkey', so it cannot be dropped "
        "on its own; drop the constraint (op.drop_constraint) instead."
    )
    assert ("users_pkey",) in sql(INDEXES)


def test_drop_checks_the_table_and_skips_a_missing_index(pg_url: str, sql, users) -> None:
    sql("CREATE INDEX ix_users_n ON users (n)")
    with pytest.raises(SchemaObjectError, match="belongs to table 'users', not 'orders'"):
        with online_operations(pg_url) as op:
            op.drop_index_concurrently("ix_users_n", "orders")
    with online_operations(pg_url) as op:
        op.drop_index_concurrently("ix_users_n", "users")
        op.drop_index_concurrently("ix_users_n", "users")
    assert sql(INDEXES) == [("users_pkey",)]
