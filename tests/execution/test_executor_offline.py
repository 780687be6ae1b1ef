"""How the executor renders a plan for ``--sql``: timeouts, transactions, parameters."""

from __future__ import annotations

from alembic_zdm.execution import execute_plan
from alembic_zdm.sql.statement import Statement, TimeoutClass
from alembic_zdm.testing.capture import capture_sql


def test_mixed_plan_rendering() -> None:
    plan = [
        Statement("ALTER TABLE t ADD COLUMN a int"),
        Statement("ALTER TABLE t ADD COLUMN b int"),
        Statement(
            "ALTER TABLE t VALIDATE CONSTRAINT c",
            own_transaction=True,
            timeout_class=TimeoutClass.CONCURRENT,
        ),
        Statement(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix ON t (a)",
            autocommit=True,
            timeout_class=TimeoutClass.CONCURRENT,
        ),
        Statement(
            "UPDATE t SET a = :v WHERE b IS NULL",
            timeout_class=TimeoutClass.BACKFILL,
            params={"v": "it's"},
        ),
        Statement("SELECT 1", timeout_class=TimeoutClass.NONE),
    ]
    with capture_sql() as (op, sql):
        execute_plan(op, plan)
    assert sql.statements == [
        "BEGIN",
        "SET LOCAL lock_timeout = '500ms'",
        "SET LOCAL statement_timeout = '1min'",
        "ALTER TABLE t ADD COLUMN a int",
        "ALTER TABLE t ADD COLUMN b int",
        "SET LOCAL lock_timeout TO DEFAULT",
        "SET LOCAL statement_timeout TO DEFAULT",
        "COMMIT",
        "BEGIN",
        "SET LOCAL lock_timeout = '0'",
        "SET LOCAL statement_timeout = '1h'",
        "ALTER TABLE t VALIDATE CONSTRAINT c",
        "COMMIT",
        "SET lock_timeout = '0'",
        "SET statement_timeout = '1h'",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix ON t (a)",
        "RESET lock_timeout",
        "RESET statement_timeout",
        "BEGIN",
        "SET LOCAL lock_timeout = '500ms'",
        "SET LOCAL statement_timeout = '30s'",
        "UPDATE t SET a = 'it''s' WHERE b IS NULL",
        "SELECT 1",
        "SET LOCAL lock_timeout TO DEFAULT",
        "SET LOCAL statement_timeout TO DEFAULT",
        "COMMIT",
    ]
