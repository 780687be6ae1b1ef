"""The two revisions the health-gate tests run: a filled table, then a phased backfill."""


def items(rows: int) -> str:
    """A plain revision: table ``items`` with *rows* rows (``v`` = id)."""
    return f"""
def upgrade():
    op.create_table("items", sa.Column("id", sa.Integer, primary_key=True), sa.Column("v", sa.Integer))
    op.execute("INSERT INTO items (id, v) SELECT g, g FROM generate_series(1, {rows}) g")

def downgrade():
    op.drop_table("items")
"""


def backfill(batch_size: int) -> str:
    """A phased revision: add ``w`` in expand, backfill ``w = v * 2`` in migrate."""
    return f"""
def expand():
    op.add_column("items", sa.Column("w", sa.Integer, nullable=True))

def migrate():
    op.backfill("items", set={{"w": "v * 2"}}, batch_size={batch_size})

def undo_expand():
    op.drop_column("items", "w")
"""
