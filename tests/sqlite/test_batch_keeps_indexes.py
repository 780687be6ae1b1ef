"""SQLite table rebuilds keep every index: expression indexes included.

Alembic's batch mode recreates the indexes SQLAlchemy reflects, and SQLAlchemy does
not reflect an index on an expression (``lower(label)``): before the fix, the expand
of ``split_column`` on a NOT NULL column (which rebuilds the table to relax it for
new code) silently dropped such an index on an *unrelated* column. Every phase, and
the downgrade, must leave the table's other indexes exactly as they were; an
expression index on the dropped column goes with it, as on PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine

from alembic_zdm.testing.project import make_project

SETUP = """
def upgrade():
    op.create_table("t", sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
                    sa.Column("name", sa.String(50), nullable=False),
                    sa.Column("score", sa.Integer), sa.Column("label", sa.String(20)))
    op.create_index("ix_t_score", "t", ["score"])
    op.execute("CREATE INDEX ix_t_pos ON t (score) WHERE score > 0")
    op.execute("CREATE INDEX ix_t_lower ON t (lower(label))")
    op.execute("CREATE INDEX ix_t_name_len ON t (length(name))")
    op.execute("INSERT INTO t (id, name, score, label) VALUES (1, 'a b', 3, 'X'), (2, 'c d', 0, 'Y')")
"""

SPLIT = """
def expand():
    op.split_column(
        "t", "name",
        [sa.Column("first", sa.String(50), nullable=False), sa.Column("last", sa.String(50))],
        forward={"first": "substr(name, 1, 1)", "last": "substr(name, 3)"},
        backward="first || ' ' || last", existing_type=sa.String(50))
"""

UNRELATED = {
    "ix_t_score": "CREATE INDEX ix_t_score ON t (score)",
    "ix_t_pos": "CREATE INDEX ix_t_pos ON t (score) WHERE score > 0",
    "ix_t_lower": "CREATE INDEX ix_t_lower ON t (lower(label))",
}
ON_NAME = {"ix_t_name_len": "CREATE INDEX ix_t_name_len ON t (length(name))"}


def indexes(url: str) -> dict[str, str]:
    """Name → SQL of every index of ``t`` that SQLite keeps SQL for."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                "AND tbl_name = 't' AND sql IS NOT NULL"
            ).all()
    finally:
        engine.dispose()
    return {name: sql for name, sql in rows}


def test_every_phase_keeps_unrelated_and_expression_indexes(
    tmp_path: Path, sqlite_url: str
) -> None:
    cfg = make_project(tmp_path, sqlite_url, [("setup", SETUP), ("split", SPLIT)])
    command.upgrade(cfg, "setup")
    assert indexes(sqlite_url) == UNRELATED | ON_NAME
    for target in ("zdm-phase:1", "zdm-phase:2"):
        command.upgrade(cfg, target)
        assert indexes(sqlite_url) == UNRELATED | ON_NAME, target
    command.upgrade(cfg, "head")  # contract drops name: its expression index goes with it
    assert indexes(sqlite_url) == UNRELATED
    command.downgrade(cfg, "setup")
    assert indexes(sqlite_url) == UNRELATED
