"""One small revision per op of the catalog (DESIGN §4), per database, for the kill matrix.

Each scenario's revision defines the undo functions that ``rollback`` needs for the
non-pattern ops (pattern ops carry their own). Names hold a space so split/merge
have something to split.
"""

from __future__ import annotations

import dataclasses

SETUP = """
def upgrade():
    op.create_table("p", sa.Column("id", sa.Integer, primary_key=True, autoincrement=False))
    op.create_table(
        "t",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("score", sa.Integer, nullable=True),
        sa.Column("amount", sa.Integer, nullable=False, server_default="1"),
        sa.Column("p_id", sa.Integer, nullable=True),
        sa.Column("fn", sa.String(50), nullable=True),
        sa.Column("ln", sa.String(50), nullable=True),
        sa.Column("label", sa.String(50), nullable=True),
    )
    op.create_index("ix_t_name", "t", ["name"])
    op.create_index("ix_t_label", "t", ["label", "id"])
    op.create_table("gone", sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
                    sa.Column("v", sa.Integer, nullable=True))
    op.bulk_insert(sa.table("p", sa.column("id", sa.Integer)), [{"id": i} for i in range(1, 4)])
    op.bulk_insert(
        sa.table("t", sa.column("id", sa.Integer), sa.column("name", sa.String),
                 sa.column("score", sa.Integer), sa.column("p_id", sa.Integer),
                 sa.column("fn", sa.String), sa.column("ln", sa.String),
                 sa.column("label", sa.String)),
        [{"id": i, "name": f"a{i} b{i}", "score": i * 10, "p_id": 1 + i % 3,
          "fn": f"f{i}", "ln": f"l{i}", "label": f"c{i} d{i}"} for i in range(1, 6)],
    )
    op.bulk_insert(sa.table("gone", sa.column("id", sa.Integer), sa.column("v", sa.Integer)),
                   [{"id": 1, "v": 7}])

def downgrade():
    op.drop_table("gone")
    op.drop_table("t")
    op.drop_table("p")
"""

_CONCAT = {
    "postgresql": "{a} || ' ' || {b}",
    "sqlite": "{a} || ' ' || {b}",
    "mysql": "CONCAT({a}, ' ', {b})",
}
_FIRST = {
    "postgresql": "split_part({c}, ' ', 1)",
    "sqlite": "substr({c}, 1, instr({c}, ' ') - 1)",
    "mysql": "SUBSTRING_INDEX({c}, ' ', 1)",
}
_LAST = {
    "postgresql": "split_part({c}, ' ', 2)",
    "sqlite": "substr({c}, instr({c}, ' ') + 1)",
    "mysql": "SUBSTRING_INDEX({c}, ' ', -1)",
}


@dataclasses.dataclass(frozen=True)
class Scenario:
    """An op's revision body.

    :param keeps_data_on_rollback: False for an op whose undo restores the schema, not
        the data (none now: the drops bring their data back from the archive).
    :param contract_undoable: False for an op whose contract cannot be undone (none
        now: ``safe_drop_table`` moves its table back from the archive).
    """

    op: str
    body: str
    keeps_data_on_rollback: bool = True
    contract_undoable: bool = True


def scenarios(db: str) -> list[Scenario]:
    """Every op's scenario, with the SQL expressions of database *db*."""
    concat, first, last = _CONCAT[db], _FIRST[db], _LAST[db]
    split = f"""
def expand():
    op.split_column(
        "t", "name", [sa.Column("first", sa.String(50)), sa.Column("last", sa.String(50))],
        forward={{"first": "{first.format(c="name")}", "last": "{last.format(c="name")}"}},
        backward="{concat.format(a="first", b="last")}", existing_type=sa.String(50))
"""
    merge = f"""
def expand():
    op.merge_columns(
        "t", ["fn", "ln"], sa.Column("whole", sa.String(101)),
        forward="{concat.format(a="fn", b="ln")}",
        backward={{"fn": "{first.format(c="whole")}", "ln": "{last.format(c="whole")}"}},
        existing_types={{"fn": sa.String(50), "ln": sa.String(50)}})
"""
    return [
        Scenario(
            "add_index_concurrently",
            """
def expand():
    op.add_index_concurrently("ix_t_score", "t", ["score"])

def undo_expand():
    op.drop_index_concurrently("ix_t_score", "t")
""",
        ),
        Scenario(
            "drop_index_concurrently",
            """
def contract():
    op.drop_index_concurrently("ix_t_name", "t")

def undo_contract():
    op.add_index_concurrently("ix_t_name", "t", ["name"])
""",
        ),
        Scenario(
            "add_required_column",
            """
def expand():
    op.add_required_column("t", sa.Column("level", sa.Integer()), server_default="3")
""",
        ),
        Scenario(
            "safe_rename_column",
            """
def expand():
    op.safe_rename_column("t", "name", "full_name")
""",
        ),
        Scenario(
            "safe_change_column_type",
            """
def expand():
    op.safe_change_column_type("t", "score", sa.BigInteger(), existing_type=sa.Integer())
""",
        ),
        Scenario(
            "add_foreign_key_safe",
            """
def expand():
    op.add_foreign_key_safe("fk_t_p", "t", "p", ["p_id"], ["id"])
""",
        ),
        Scenario(
            "add_check_constraint_safe",
            """
def expand():
    op.add_check_constraint_safe("ck_t_amount", "t", "amount > 0")
""",
        ),
        Scenario(
            "add_unique_constraint_safe",
            """
def expand():
    op.add_unique_constraint_safe("uq_t_name", "t", ["name"])
""",
        ),
        Scenario(
            "set_not_null_safe",
            """
def expand():
    op.set_not_null_safe("t", "score", existing_type=sa.Integer())
""",
        ),
        Scenario(
            "safe_drop_column",
            """
def expand():
    op.safe_drop_column("t", "label", existing_type=sa.String(50))
""",
        ),
        Scenario(
            "safe_drop_table",
            """
def expand():
    op.safe_drop_table("gone")
""",
        ),
        Scenario(
            "backfill",
            """
def expand():
    op.add_column("t", sa.Column("score2", sa.Integer, nullable=True))

def undo_expand():
    op.drop_column("t", "score2")

def migrate():
    op.backfill("t", set={"score2": "score * 2"}, batch_size=2)
""",
        ),
        Scenario(
            "enable_dual_write / disable_dual_write",
            """
def expand():
    op.add_column("t", sa.Column("name2", sa.String(50), nullable=True))
    op.enable_dual_write("t", "name", "name2")

def undo_expand():
    op.disable_dual_write("t", "name", "name2")
    op.drop_column("t", "name2")

def migrate():
    op.backfill("t", set={"name2": "name"})

def contract():
    op.disable_dual_write("t", "name", "name2")

def undo_contract():
    op.enable_dual_write("t", "name", "name2")
""",
        ),
        Scenario("split_column", split),
        Scenario("merge_columns", merge),
        Scenario(
            "plain add_column + add_index_concurrently",
            """
def expand():
    op.add_column("t", sa.Column("note", sa.String(50), nullable=True))
    op.add_index_concurrently("ix_t_note", "t", ["note"])

def undo_expand():
    op.drop_index_concurrently("ix_t_note", "t")
    op.drop_column("t", "note")
""",
        ),
    ]
