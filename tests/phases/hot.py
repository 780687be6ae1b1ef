"""Revisions of the lock-timeout and guard tests: a table ``hot``, then a column ``w`` on it."""

from __future__ import annotations

_KEY = {"postgresql": "id serial PRIMARY KEY", "mysql": "id int AUTO_INCREMENT PRIMARY KEY"}


def setup(db: str = "postgresql") -> str:
    """A plain revision creating ``hot`` on *db* (``postgresql`` or ``mysql``)."""
    return f"""
def upgrade():
    op.execute("CREATE TABLE hot ({_KEY[db]}, v int)")

def downgrade():
    op.execute("DROP TABLE hot")
"""


ADD_IN_EXPAND = """
def expand():
    op.add_column("hot", sa.Column("w", sa.Integer, nullable=True))

def undo_expand():
    op.drop_column("hot", "w")
"""
"""A phased revision: a plain ``add_column`` in expand."""


def add_recording(setting: str) -> str:
    """A plain revision adding ``hot.w`` that stores *setting* (an SQL expression: the
    session's lock timeout as the revision saw it) in ``seen (v)``."""
    return f"""
def upgrade():
    op.add_column("hot", sa.Column("w", sa.Integer, nullable=True))
    op.execute("CREATE TABLE seen AS SELECT {setting} AS v")

def downgrade():
    op.execute("DROP TABLE seen")
    op.drop_column("hot", "w")
"""
