"""Extraction from revision files: what the rules get to see."""

from __future__ import annotations

from alembic_zdm.lint.extract import extract
from alembic_zdm.lint.model import CONCURRENTLY, Kind
from alembic_zdm.lint.target import DEFAULT_TARGET, Target

SOURCE = '''
from alembic import op as alembic_op
import sqlalchemy as sa

revision = "b2"
down_revision = ("a1", "a2")
TABLE = "users"


def expand() -> None:
    alembic_op.add_column(TABLE, sa.Column("status", sa.String(20), nullable=False, server_default="new", default="x"))
    with alembic_op.batch_alter_table("orders") as batch_op:
        batch_op.alter_column("total", type_=sa.Numeric(12, 2), existing_type=sa.Numeric(10, 2), nullable=False)
    with alembic_op.get_context().autocommit_block():
        alembic_op.execute(sa.text("""
            CREATE INDEX CONCURRENTLY ix_a ON accounts (a);
            UPDATE accounts SET a = 1 WHERE a IS NULL;
        """))
    alembic_op.create_table("teams", sa.Column("id", sa.Integer(), primary_key=True))
    alembic_op.create_index("ix_teams_id", "teams", ["id"])


def contract() -> None:
    conn = alembic_op.get_bind()
    conn.execute(sa.text("DROP TABLE legacy"))
'''


def test_actions_with_resolved_arguments() -> None:
    rev = extract("r.py", SOURCE, DEFAULT_TARGET)
    assert (rev.revision, rev.down_revisions, rev.phased, rev.problems) == (
        "b2",
        ("a1", "a2"),
        True,
        [],
    )
    summary = [(a.line, a.kind, a.phase, a.table, a.autocommit, a.new_table) for a in rev.actions]
    assert summary == [
        (11, Kind.ADD_COLUMN, "expand", "users", False, False),
        (13, Kind.SET_NOT_NULL, "expand", "orders", False, False),
        (13, Kind.ALTER_TYPE, "expand", "orders", False, False),
        (16, Kind.CREATE_INDEX, "expand", "accounts", True, False),
        (17, Kind.DATA_CHANGE, "expand", "accounts", True, False),
        (19, Kind.CREATE_TABLE, "expand", "teams", False, False),
        (20, Kind.CREATE_INDEX, "expand", "teams", False, True),
        (25, Kind.DROP_TABLE, "contract", "legacy", False, False),
    ]
    col = rev.actions[0].coldef
    assert col is not None
    assert (col.name, col.type and col.type.render(), col.nullable, col.python_default) == (
        "status",
        "sa.String(20)",
        False,
        "'x'",
    )
    assert col.server_default is not None and col.server_default.text == "new"
    assert rev.actions[2].old_type is not None and rev.actions[2].old_type.args == (10, 2)
    assert (
        rev.actions[3].has(CONCURRENTLY) and rev.actions[3].origin == "CREATE INDEX in op.execute()"
    )
    assert rev.actions[4].options == {"where": "a IS NULL", "set": '"a": "1"'}


def test_helper_functions_are_followed_and_plain_revisions_detected() -> None:
    source = 'from alembic import op\nrevision = "x"\n\ndef _idx():\n    op.create_index("i", "t", ["c"])\n\ndef upgrade():\n    _idx()\n'
    rev = extract("r.py", source, DEFAULT_TARGET)
    assert not rev.phased
    assert [(a.kind, a.phase, a.line) for a in rev.actions] == [(Kind.CREATE_INDEX, "upgrade", 5)]


def test_files_that_are_not_revisions() -> None:
    assert not extract("helpers.py", "X = 1\n", DEFAULT_TARGET).is_revision


def test_mysql_sql_is_parsed_with_sqlglot() -> None:
    source = 'from alembic import op\nrevision = "x"\n\ndef upgrade():\n    op.execute("ALTER TABLE t ADD COLUMN c INT, ALGORITHM=COPY; RENAME TABLE a TO b")\n'
    rev = extract("r.py", source, Target.parse("mysql>=8.0"))
    assert [(a.kind, a.table, a.options.get("algorithm")) for a in rev.actions] == [
        (Kind.ADD_COLUMN, "t", "COPY"),
        (Kind.RENAME_TABLE, "a", None),
    ]


def test_sql_script_follows_transactions() -> None:
    script = "BEGIN;\nCREATE INDEX CONCURRENTLY a ON t (c);\nCOMMIT;\nCREATE INDEX CONCURRENTLY b ON t (c);\nUPDATE alembic_version SET version_num='x';\n"
    rev = extract("s.sql", script, DEFAULT_TARGET, sql=True)
    indexes = [(a.name, a.line, a.autocommit) for a in rev.actions if a.kind is Kind.CREATE_INDEX]
    assert indexes == [("a", 2, False), ("b", 4, True)]
    assert not any(a.kind is Kind.DATA_CHANGE for a in rev.actions)


def test_postgresql_statements_carry_what_they_do() -> None:
    from alembic_zdm.lint.extract import sql_postgresql

    script = (
        "REINDEX INDEX CONCURRENTLY ix_a; VACUUM (FULL) t; CLUSTER t USING ix_t; "
        "TRUNCATE a, b CASCADE; DROP SCHEMA s CASCADE; DROP DATABASE d; "
        "ALTER SCHEMA s RENAME TO s2; ALTER TABLE p DETACH PARTITION p1; "
        "ALTER TABLE t SET UNLOGGED; CREATE TRIGGER tr AFTER UPDATE ON t "
        "FOR EACH ROW EXECUTE FUNCTION f(); CREATE DOMAIN email AS text CHECK (VALUE ~ '@')"
    )
    statements, errors = sql_postgresql.parse(script)
    assert errors == []
    options = [a.options for s in statements for a in s.actions]
    assert [o["statement"] for o in options] == [
        "reindex",
        "vacuum_full",
        "cluster",
        "truncate",
        "drop_schema",
        "drop_database",
        "rename_schema",
        "detach_partition",
        "set_unlogged",
        "create_trigger",
        "create_domain",
    ]
    assert options[0]["concurrently"] == "1" and options[3]["tables"] == "a, b"
    assert options[3]["cascade"] == "1" and options[7]["concurrently"] == ""


def test_long_identifiers_and_generated_columns() -> None:
    long_name = "ix_" + "x" * 70
    source = (
        "from alembic import op\nimport sqlalchemy as sa\n\nrevision = 'b2'\ndown_revision = 'a1'\n\n\n"
        "def upgrade() -> None:\n"
        f'    op.execute("CREATE INDEX {long_name} ON t (a)")\n'
        '    op.execute("ALTER TABLE t ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY")\n'
        '    op.add_column("t", sa.Column("g", sa.Integer(), sa.Computed("a + 1", persisted=False)))\n'
        '    op.create_table("u", sa.Column("id", sa.BigInteger()), sa.Column("at", sa.DateTime()))\n'
    )
    rev = extract("r.py", source, DEFAULT_TARGET)
    index, identity, computed, table = rev.actions
    assert index.name == long_name
    assert identity.coldef is not None and identity.coldef.generated_kind == "identity"
    assert computed.coldef is not None and computed.coldef.generated_kind == "virtual"
    assert [c.name for c in table.coldefs] == ["id", "at"]


BRANCHES = """
from alembic import context, op
import sqlalchemy as sa

revision = "c3"
down_revision = None


def upgrade() -> None:
    bind = op.get_bind()
    is_mysql = bind.dialect.name in ("mysql", "mariadb")
    if context.get_context().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_pg ON pg_only (a)")
    if not is_mysql:
        op.execute("CREATE INDEX ix_not_mysql ON not_mysql (a)")
    else:
        op.execute("ALTER TABLE `my_only` ADD INDEX ix_my (a)")
    op.execute("UPDATE sqlite_only SET a = 1" if bind.engine.name == "sqlite" else "UPDATE other SET a = 1")
    if "psycopg2" in str(bind.engine.url):
        op.execute("CREATE INDEX ix_driver ON driver_known (a)")
    if bind.engine.name != "sqlite":
        return
    op.execute("PRAGMA foreign_keys=OFF")
    op.execute("UPDATE after_return SET a = 1")
"""


def _tables(target: str) -> list[str | None]:
    rev = extract("r.py", BRANCHES, Target.parse(target))
    assert not rev.unreadable and not rev.problems
    return [a.table for a in rev.actions]


def test_dialect_branches_follow_the_target() -> None:
    assert _tables("postgresql>=12") == ["pg_only", "not_mysql", "other", "driver_known"]
    assert _tables("mariadb>=10.6") == ["my_only", "other", "driver_known"]
    assert _tables("sqlite") == ["not_mysql", "sqlite_only", "driver_known", "after_return"]


def test_sql_built_from_known_parts() -> None:
    source = """
from alembic import op

revision = "c4"
down_revision = None
SCHEMA = "events"


def upgrade() -> None:
    table = "registrations"
    op.execute("CREATE INDEX ix_a ON " + SCHEMA + "." + table + " (a)")
    op.execute("CREATE INDEX ix_b ON %s.%s (b)" % (SCHEMA, table))
    op.execute("CREATE INDEX ix_c ON {}.{t} (c)".format(SCHEMA, t=table))
    op.execute(f"CREATE INDEX ix_d ON {SCHEMA}.{table} (d)")
    op.execute("CREATE INDEX ix_e ON " + unknown() + " (e)")
    op.execute("SELECT 1 " + " + ".join(["x"]) + " this is not sql")
"""
    rev = extract("r.py", source, DEFAULT_TARGET)
    indexes = [a for a in rev.actions if a.kind is Kind.CREATE_INDEX]
    assert [(a.name, a.table) for a in indexes] == [
        ("ix_a", "registrations"),
        ("ix_b", "registrations"),
        ("ix_c", "registrations"),
        ("ix_d", "registrations"),
        ("ix_e", None),  # an unknown part is no table name
    ]
    assert rev.unreadable == [], "SQL with an unknown part is never reported unreadable"


def test_fstring_holes_read_as_written() -> None:
    from alembic_zdm.lint import api

    source = """
from alembic import op

revision = "c5"
down_revision = None
SCHEMA = "events"


def upgrade() -> None:
    for table in ("a_ratings", "b_ratings"):
        op.execute(f"CREATE INDEX ix_{table}_v ON {SCHEMA}.{table} (value)")
"""
    (finding,) = [f for f in api.lint_source(source) if f.rule == "ZDM101"]
    assert 'index "ix_{table}_v" on existing table "events.{table}"' in finding.message
    assert finding.help == (
        'op.add_index_concurrently(f"ix_{table}_v", table, ["value"], schema="events")'
    )
