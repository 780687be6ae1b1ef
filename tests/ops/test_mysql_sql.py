"""Exact SQL on MySQL 8 and MariaDB, without a server: algorithms, guards and version hazards.

The server version is injected into the offline dialect (``capture_sql(server_version=…)``).
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic_zdm.dialects import dialect_support
from alembic_zdm.dialects.capabilities import parse_version
from alembic_zdm.dialects.mysql import copy_required
from alembic_zdm.errors import TableCopyRequiredError, UnsupportedDialectError
from alembic_zdm.ops.columns import AddRequiredColumnOp, SafeDropColumnOp
from alembic_zdm.ops.constraints import AddCheckConstraintSafeOp, AddForeignKeySafeOp
from alembic_zdm.ops.not_null import SetNotNullSafeOp
from alembic_zdm.phases.model import Phase
from alembic_zdm.sql.statement import Statement
from alembic_zdm.testing.capture import capture_sql

DDL = ["SET SESSION lock_wait_timeout = 1", "SET SESSION innodb_lock_wait_timeout = 1"]
RESET = [
    "SET SESSION lock_wait_timeout = DEFAULT",
    "SET SESSION innodb_lock_wait_timeout = DEFAULT",
]
LONG = [
    "SET SESSION lock_wait_timeout = 31536000",
    "SET SESSION innodb_lock_wait_timeout = 31536000",
]
ROW_VERSIONS = (
    "SELECT count(*) FROM (SELECT total_row_versions FROM information_schema.innodb_tables "
    "WHERE name = CONCAT(COALESCE(NULL, DATABASE()), '/', 'orders') AND total_row_versions >= 60) "
    "AS zdm_rows HAVING count(*) > 0"
)
ADD_CURRENCY = "ALTER TABLE orders ADD COLUMN currency VARCHAR(3) DEFAULT 'EUR', "


def phase_sql(
    pattern: object,
    phase: Phase,
    version: tuple[int, ...] | None,
    dialect: str = "mysql",
    undo: bool = False,
) -> list[str]:
    with capture_sql(dialect, server_version=version) as (op, sql):
        pattern.run_phase(op, phase, undo)  # type: ignore[attr-defined]
    return sql.statements


def call_sql(fn, version: tuple[int, ...] | None = None, dialect: str = "mysql") -> list[str]:  # type: ignore[no-untyped-def]
    with capture_sql(dialect, server_version=version) as (op, sql):
        fn(op)
    return sql.statements


REQUIRED = AddRequiredColumnOp(
    "orders", sa.Column("currency", sa.String(3)), server_default="'EUR'"
)


def test_add_column_is_instant_on_8_0_28() -> None:
    assert phase_sql(REQUIRED, Phase.EXPAND, (8, 0, 28)) == [
        *DDL, ADD_CURRENCY + "ALGORITHM=INSTANT", *RESET,
    ]  # fmt: skip


def test_add_column_is_inplace_on_8_0_29() -> None:
    """8.0.29's INSTANT ADD/DROP COLUMN could corrupt tables (ZDM133): INPLACE there."""
    assert phase_sql(REQUIRED, Phase.EXPAND, (8, 0, 29)) == [
        *DDL, ADD_CURRENCY + "ALGORITHM=INPLACE, LOCK=NONE", *RESET,
    ]  # fmt: skip


def test_instant_on_8_0_30_checks_the_64_row_versions_first() -> None:
    assert phase_sql(REQUIRED, Phase.EXPAND, (8, 0, 36)) == [
        *LONG, ROW_VERSIONS, *DDL, ADD_CURRENCY + "ALGORITHM=INSTANT", *RESET,
    ]  # fmt: skip


def test_drop_column_instant_on_8_0_30_inplace_before() -> None:
    drop = SafeDropColumnOp("orders", "legacy")  # (after the archive copy: tests/archive)
    inplace = "ALTER TABLE orders DROP COLUMN legacy, ALGORITHM=INPLACE, LOCK=NONE"
    assert inplace in phase_sql(drop, Phase.CONTRACT, (8, 0, 28))
    assert inplace in phase_sql(drop, Phase.CONTRACT, (8, 0, 29))
    on_8_0_30 = phase_sql(drop, Phase.CONTRACT, (8, 0, 30))
    instant = on_8_0_30.index("ALTER TABLE orders DROP COLUMN legacy, ALGORITHM=INSTANT")
    assert ROW_VERSIONS in on_8_0_30[instant - 4 : instant]


def test_mariadb_adds_instant_with_wait_and_no_row_version_guard() -> None:
    assert phase_sql(REQUIRED, Phase.EXPAND, (10, 11, 5), "mariadb") == [
        *DDL, "SET SESSION max_statement_time = 60",
        "ALTER TABLE orders WAIT 1 ADD COLUMN currency VARCHAR(3) DEFAULT 'EUR', ALGORITHM=INSTANT",
        *RESET, "SET SESSION max_statement_time = DEFAULT",
    ]  # fmt: skip


def test_set_not_null_refuses_without_strict_mode_then_modifies_inplace() -> None:
    op = SetNotNullSafeOp("users", "email", existing_type=sa.String(100))
    assert phase_sql(op, Phase.CONTRACT, (8, 0, 36)) == [
        *LONG,
        "SELECT count(*) FROM (SELECT 1 FROM DUAL WHERE @@SESSION.sql_mode NOT LIKE "
        "'%STRICT_TRANS_TABLES%' AND @@SESSION.sql_mode NOT LIKE '%STRICT_ALL_TABLES%') "
        "AS zdm_rows HAVING count(*) > 0",
        "SELECT count(*) FROM (SELECT 1 FROM users WHERE email IS NULL) AS zdm_rows "
        "HAVING count(*) > 0",
        *DDL,
        "ALTER TABLE users MODIFY COLUMN email VARCHAR(100) NOT NULL, ALGORITHM=INPLACE, LOCK=NONE",
        *RESET,
    ]


def test_set_not_null_offline_needs_the_type() -> None:
    try:
        phase_sql(SetNotNullSafeOp("users", "email"), Phase.CONTRACT, (8, 0, 36))
    except UnsupportedDialectError as exc:
        assert "needs existing_type=" in str(exc)
    else:
        raise AssertionError("expected a refusal")


def test_strict_mode_guard_raises_one_sentence() -> None:
    from alembic_zdm.errors import SchemaObjectError
    from alembic_zdm.execution.executor import _check_guard

    op = SetNotNullSafeOp("users", "email", existing_type=sa.String(100))
    guard = [s for s in _plan(op) if s.fail_if_rows and "strict" in s.fail_if_rows][0]
    try:
        _check_guard(guard, [(1,)])
    except SchemaObjectError as exc:
        assert str(exc).startswith(
            "users.email cannot be made NOT NULL safely: the session is not in strict mode"
        )
        assert str(exc).endswith("add STRICT_TRANS_TABLES to sql_mode (ZDM132).")


def _plan(op: SetNotNullSafeOp) -> list[Statement]:
    from sqlalchemy.dialects import mysql

    from alembic_zdm.config import ZdmSettings
    from alembic_zdm.dialects import PlanContext
    from alembic_zdm.ops.dialect_plans import build as build_plan

    dialect = mysql.dialect()
    dialect.server_version_info = (8, 0, 36)
    support = dialect_support(dialect)
    return build_plan(op, PlanContext(support, support.quoter, ZdmSettings(), Phase.CONTRACT))


def test_foreign_key_checked_by_query_then_added_with_checks_off() -> None:
    fk = AddForeignKeySafeOp(
        "fk_orders_user_id", "orders", "users", ["user_id"], ["id"], ondelete="CASCADE"
    )
    orphans = (
        "SELECT count(*) FROM (SELECT 1 FROM orders AS zdm_c WHERE zdm_c.user_id IS NOT NULL AND "
        "NOT EXISTS (SELECT 1 FROM users AS zdm_p WHERE zdm_p.id = zdm_c.user_id)) AS zdm_rows "
        "HAVING count(*) > 0"
    )
    assert phase_sql(fk, Phase.EXPAND, (8, 0, 36)) == [
        *LONG, orphans, *DDL,
        "SET SESSION foreign_key_checks = 0",
        "ALTER TABLE orders ADD CONSTRAINT fk_orders_user_id FOREIGN KEY (user_id) REFERENCES "
        "users (id) ON DELETE CASCADE, ALGORITHM=INPLACE, LOCK=NONE",
        "SET SESSION foreign_key_checks = DEFAULT",
        *RESET,
    ]  # fmt: skip
    assert phase_sql(fk, Phase.MIGRATE, (8, 0, 36)) == [*LONG, orphans, *RESET]
    assert phase_sql(fk, Phase.EXPAND, (8, 0, 36), undo=True) == [
        *DDL, "ALTER TABLE orders DROP FOREIGN KEY fk_orders_user_id, ALGORITHM=INPLACE, LOCK=NONE",
        # the index MySQL made for the key goes too (skipped online when there is none)
        "ALTER TABLE orders DROP INDEX fk_orders_user_id, ALGORITHM=INPLACE, LOCK=NONE", *RESET,
    ]  # fmt: skip


def test_check_constraint_is_enforced_by_triggers() -> None:
    ck = AddCheckConstraintSafeOp(
        "ck_orders_amount", "orders", "amount > 0", table_columns=["id", "amount"]
    )
    statements = phase_sql(ck, Phase.EXPAND, (8, 0, 36))
    assert statements[2] == (
        "CREATE TRIGGER zdm_ck_ins_orders_ck_orders_amount BEFORE INSERT ON orders FOR EACH ROW "
        "IF EXISTS (WITH zdm_row (id, amount) AS (SELECT NEW.id, NEW.amount) SELECT 1 FROM "
        "zdm_row WHERE NOT (amount > 0)) THEN SIGNAL SQLSTATE '23000' SET MESSAGE_TEXT = "
        "'Check constraint ''ck_orders_amount'' is violated.', MYSQL_ERRNO = 3819; END IF"
    )
    assert statements[3].startswith(
        "CREATE TRIGGER zdm_ck_upd_orders_ck_orders_amount BEFORE UPDATE"
    )
    assert phase_sql(ck, Phase.MIGRATE, (8, 0, 36))[2] == (
        "SELECT count(*) FROM (SELECT 1 FROM orders WHERE NOT (amount > 0)) AS zdm_rows "
        "HAVING count(*) > 0"
    )


def test_index_inplace_and_the_refusals() -> None:
    assert call_sql(lambda op: op.add_index_concurrently("ix_users_email", "users", ["email"]))[
        2
    ] == ("ALTER TABLE users ADD INDEX ix_users_email (email), ALGORITHM=INPLACE, LOCK=NONE")
    assert call_sql(lambda op: op.drop_index_concurrently("ix_users_email", "users"))[2] == (
        "ALTER TABLE users DROP INDEX ix_users_email, ALGORITHM=INPLACE, LOCK=NONE"
    )
    for fn, words in (
        (lambda op: op.add_index_concurrently("ix", "users", ["email"], where="email IS NOT NULL"),
         "Index 'ix': MySQL has no partial indexes"),
        (lambda op: op.drop_index_concurrently("ix"), "needs table_name=… on MySQL and MariaDB"),
    ):  # fmt: skip
        try:
            call_sql(fn)
        except UnsupportedDialectError as exc:
            assert words in str(exc)
        else:
            raise AssertionError(words)


def test_a_table_copy_is_refused_with_gh_ost_and_pt_osc_commands() -> None:
    statement = Statement(
        "ALTER TABLE orders MODIFY COLUMN amount BIGINT, ALGORITHM=INPLACE, LOCK=NONE",
        table="orders", description="Change orders.amount to BIGINT",
    )  # fmt: skip
    error = copy_required(statement, "MySQL 8.0.36", "Cannot change column type")
    assert isinstance(error, TableCopyRequiredError)
    assert str(error).startswith(
        "Change orders.amount to BIGINT cannot run online on MySQL 8.0.36: the server would copy "
        "the table and block writes (Cannot change column type), so alembic-zdm stopped"
    )
    assert error.commands == [
        "gh-ost --host=<host> --user=<user> --ask-pass --database='<database>' --table=orders "
        "--alter='MODIFY COLUMN amount BIGINT' --allow-on-master --cut-over=default --execute",
        "pt-online-schema-change --alter 'MODIFY COLUMN amount BIGINT' "
        "'h=<host>,u=<user>,D=<database>,t=orders' --ask-pass --execute",
    ]


def test_mariadb_version_and_name() -> None:
    from sqlalchemy.dialects import mysql

    dialect = mysql.dialect()
    dialect.is_mariadb = True
    dialect.server_version_info = (10, 11, 19, "MariaDB")
    support = dialect_support(dialect)
    assert support.name == "mariadb" and support.server_version == (10, 11, 19)
    assert parse_version("10.11.19-MariaDB-0+deb12u1") == (10, 11, 19)
    dialect.server_version_info = (10, 5, 2)
    try:
        dialect_support(dialect).require_supported_version()
    except UnsupportedDialectError as exc:
        assert str(exc) == (
            "mariadb 10.5.2 is too old for alembic-zdm's safe operations; they need mariadb 10.6 or newer."
        )


def test_sqlite_plans() -> None:
    assert call_sql(lambda op: op.add_index_concurrently("ix_users_email", "users", ["email"]), dialect="sqlite") == [
        "PRAGMA busy_timeout = 500", "CREATE INDEX IF NOT EXISTS ix_users_email ON users (email)",
        "PRAGMA busy_timeout = 5000",
    ]  # fmt: skip
    try:
        phase_sql(SetNotNullSafeOp("users", "email"), Phase.CONTRACT, None, "sqlite")
    except UnsupportedDialectError as exc:
        assert "recreates table 'users' (SQLite batch mode)" in str(exc)
