"""ZDM114's PostgreSQL table of safe type changes, checked against a real server.

For each change, the test creates a one-column table, changes the column's type and
compares the table's file node before and after: a new file node is a rewrite. The
linter's verdict (``safe_on_postgresql``) must match what the server did.
"""

from __future__ import annotations

from collections.abc import Callable

from alembic_zdm.lint.extract.sql_postgresql import parse
from alembic_zdm.lint.model import TypeSpec
from alembic_zdm.lint.rules.locking.column_type_rewrite import safe_on_postgresql
from alembic_zdm.lint.target import Target

CHANGES = [
    ("text", "varchar"),
    ("text", "varchar(10)"),
    ("varchar(10)", "text"),
    ("varchar(10)", "varchar(20)"),
    ("varchar(20)", "varchar(10)"),
    ("varchar(10)", "varchar"),
    ("varchar", "varchar(10)"),
    ("char(10)", "char(20)"),
    ("char(10)", "text"),
    ("numeric(8, 2)", "numeric(11, 2)"),
    ("numeric(8, 2)", "numeric(11, 3)"),
    ("numeric(8, 2)", "numeric"),
    ("numeric", "numeric(8, 2)"),
    ("cidr", "inet"),
    ("inet", "cidr"),
    ("timestamp", "timestamptz"),
    ("timestamptz", "timestamp"),
    ("timestamp(3)", "timestamp(6)"),
    ("timestamp(6)", "timestamp(3)"),
    ("time(3)", "time"),
    ("interval(3)", "interval(6)"),
    ("integer", "bigint"),
    ("bigint", "integer"),
    ("json", "jsonb"),
    ("json", "text"),
    ("uuid", "text"),
    ("citext", "text"),
    ("text", "citext"),
    ("varchar(10)", "citext"),
]


def _type(sql_type: str) -> TypeSpec:
    statements, errors = parse(f"CREATE TABLE t (c {sql_type})")
    assert not errors
    spec = statements[0].actions[0].coldefs[0].type
    assert spec is not None
    return spec


def test_verdicts_match_the_server(sql: Callable[..., list[tuple[object, ...]]]) -> None:
    available = sql("SELECT 1 FROM pg_available_extensions WHERE name = 'citext'")
    if available:
        sql("CREATE EXTENSION IF NOT EXISTS citext")
    changes = [c for c in CHANGES if available or "citext" not in c]
    node = "SELECT relfilenode FROM pg_class WHERE relname = 'zdm_rw'"
    wrong = []
    for old, new in changes:
        sql(f"DROP TABLE IF EXISTS zdm_rw; CREATE TABLE zdm_rw (c {old})")
        before = sql(node)
        sql(f"SET TIME ZONE 'UTC'; ALTER TABLE zdm_rw ALTER COLUMN c TYPE {new}")
        rewritten = sql(node) != before
        safe = safe_on_postgresql(_type(old), _type(new), Target.parse("postgresql>=12"))
        if safe is rewritten:
            wrong.append(f"{old} -> {new}: server {'rewrote' if rewritten else 'did not rewrite'}")
    assert wrong == []
    assert any(
        safe_on_postgresql(_type(a), _type(b), Target.parse("postgresql>=12")) for a, b in CHANGES
    )
