"""The lock classifier behind `alembic-zdm plan` (PostgreSQL statements, no database)."""

from __future__ import annotations

import pytest

from alembic_zdm.sql.locks import classify


@pytest.mark.parametrize(
    ("sql", "lock", "table", "rewrites", "scans"),
    [
        (
            "CREATE INDEX CONCURRENTLY ix ON public.t (a)",
            "SHARE UPDATE EXCLUSIVE",
            "public.t",
            False,
            True,
        ),
        ("CREATE INDEX ix ON t (a)", "SHARE", "t", False, True),
        ("DROP INDEX CONCURRENTLY IF EXISTS ix", "SHARE UPDATE EXCLUSIVE", None, False, False),
        (
            "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u (id) NOT VALID",
            "SHARE ROW EXCLUSIVE",
            "t",
            False,
            False,
        ),
        (
            "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u (id)",
            "SHARE ROW EXCLUSIVE",
            "t",
            False,
            True,
        ),
        (
            "ALTER TABLE t ADD CONSTRAINT ck CHECK (a > 0) NOT VALID",
            "ACCESS EXCLUSIVE",
            "t",
            False,
            False,
        ),
        ("ALTER TABLE t VALIDATE CONSTRAINT ck", "SHARE UPDATE EXCLUSIVE", "t", False, True),
        ("ALTER TABLE t ALTER COLUMN a TYPE bigint", "ACCESS EXCLUSIVE", "t", True, False),
        ("ALTER TABLE t ALTER COLUMN a SET NOT NULL", "ACCESS EXCLUSIVE", "t", False, True),
        (
            "ALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid()",
            "ACCESS EXCLUSIVE",
            "t",
            True,
            False,
        ),
        ("ALTER TABLE t ADD COLUMN n int DEFAULT 0", "ACCESS EXCLUSIVE", "t", False, False),
        (
            "ALTER TABLE t ADD CONSTRAINT u UNIQUE USING INDEX ix",
            "ACCESS EXCLUSIVE",
            "t",
            False,
            False,
        ),
        ("LOCK TABLE t IN ACCESS EXCLUSIVE MODE", "ACCESS EXCLUSIVE", "t", False, False),
        ("LOCK TABLE t IN SHARE MODE", "SHARE", "t", False, False),
        (
            "CREATE TRIGGER x BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f()",
            "SHARE ROW EXCLUSIVE",
            "t",
            False,
            False,
        ),
        ("UPDATE t SET a = 1", "ROW EXCLUSIVE", "t", False, True),
        ("UPDATE t SET a = 1 WHERE id < 10", "ROW EXCLUSIVE", "t", False, False),
        ("SET LOCAL lock_timeout = '500ms'", "none", None, False, False),
    ],
)
def test_postgresql_statements(
    sql: str, lock: str, table: str | None, rewrites: bool, scans: bool
) -> None:
    info = classify(sql, "postgresql")
    assert (info.lock.value, info.table, info.rewrites, info.scans) == (
        lock,
        table,
        rewrites,
        scans,
    )


def test_other_databases_get_a_keyword_reading() -> None:
    info = classify("ALTER TABLE `t` ADD COLUMN c INT, ALGORITHM=INSTANT, LOCK=NONE", "mysql")
    assert (info.lock.value, info.table) == ("ACCESS EXCLUSIVE", "t")
    assert classify("UPDATE t SET a = 1", "sqlite").lock.value == "ROW EXCLUSIVE"
