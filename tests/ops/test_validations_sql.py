"""Exact SQL of the validate_* checks on PostgreSQL (DO blocks that raise)."""

from __future__ import annotations

from alembic_zdm.testing.capture import capture_sql


def test_validate_column_exists() -> None:
    with capture_sql() as (op, sql):
        op.validate_column_exists("users", "email", schema="app")
    assert sql.statements[1] == (
        "DO $zdm$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = "
        "to_regclass('app.users') AND attname = 'email' AND attnum > 0 AND NOT attisdropped) "
        "THEN RAISE EXCEPTION USING ERRCODE = 'ZDM01', MESSAGE = 'Column ''email'' of table "
        "''app.users'' does not exist, so this phase stops; check that the earlier phases ran.'; "
        "END IF; END $zdm$"
    )


def test_validate_column_not_exists_with_message() -> None:
    with capture_sql() as (op, sql):
        op.validate_column_not_exists("Users", "it's", message="Drop it first.")
    assert sql.statements[1] == (
        "DO $zdm$ BEGIN IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = "
        "to_regclass('\"Users\"') AND attname = 'it''s' AND attnum > 0 AND NOT attisdropped) "
        "THEN RAISE EXCEPTION USING ERRCODE = 'ZDM01', MESSAGE = 'Drop it first.'; END IF; END $zdm$"
    )


def test_validate_data_integrity() -> None:
    with capture_sql() as (op, sql):
        op.validate_data_integrity(
            "SELECT id FROM users WHERE email IS NULL;", "Some users have no email"
        )
    assert sql.statements == [
        "BEGIN",
        "SET LOCAL lock_timeout = '0'",
        "SET LOCAL statement_timeout = '1h'",
        "DO $zdm$ DECLARE n bigint; BEGIN SELECT count(*) INTO n FROM "
        "(SELECT id FROM users WHERE email IS NULL) AS zdm_rows; IF n > 0 THEN RAISE EXCEPTION "
        "USING ERRCODE = 'ZDM02', MESSAGE = format('%s (%s offending rows)', "
        "'Some users have no email', n); END IF; END $zdm$",
        "SET LOCAL lock_timeout TO DEFAULT",
        "SET LOCAL statement_timeout TO DEFAULT",
        "COMMIT",
    ]
