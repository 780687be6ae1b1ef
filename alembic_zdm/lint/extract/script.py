"""A SQL script (``alembic upgrade --sql`` output or hand-written) as one revision.

``BEGIN``/``COMMIT`` are followed, so a ``CREATE INDEX CONCURRENTLY`` between them is
known to run inside a transaction; outside them each statement commits on its own
(psql's default). Alembic's bookkeeping tables are not the user's data.
"""

from __future__ import annotations

from ..model import Action, Kind, Problem, Revision
from ..target import Target
from .links import mark_new_objects
from .sql import line_col, parse, short

BOOKKEEPING_TABLES = frozenset({"alembic_version", "alembic_zdm_state"})


def extract_script(path: str, sql: str, target: Target) -> Revision:
    """Parse *sql* and return it as a plain, one-phase revision."""
    rev = Revision(path=path, sql_mode=True)
    statements, errors = parse(sql, target)
    for offset, message in errors:
        line, col = line_col(sql, offset)
        text = f"could not read this statement as {target.dialect} ({short(message)}); it was not checked"
        rev.unreadable.append(Problem(line, col, text, (line, line)))
    in_transaction = False
    actions: list[Action] = []
    for stmt in statements:
        line, col = line_col(sql, stmt.offset)
        for action in stmt.actions:
            if action.kind is Kind.TRANSACTION:
                in_transaction = action.name == "begin"
            if action.table in BOOKKEEPING_TABLES:
                continue
            action.line, action.col, action.span = line, col, (line, line)
            action.phase = "upgrade"
            action.autocommit = not in_transaction
            action.order = len(actions)
            actions.append(action)
    rev.actions = actions
    mark_new_objects(rev)
    return rev
