"""ZDM209 unique-on-existing-data: a new UNIQUE constraint or index on existing data.

## What it does
Flags `op.create_unique_constraint(...)`, `op.create_index(..., unique=True)`,
`unique=True` on an added column and `CREATE UNIQUE INDEX` / `ADD … UNIQUE` in raw
SQL on an existing table, unless an `op.validate_data_integrity(...)` check runs
earlier in the revision. The plugin's `op.add_unique_constraint_safe` and
`op.add_index_concurrently(..., unique=True)` are not flagged: they build the index
concurrently and clean up after a failed build, so duplicates stop the migration
without harm.

It stays silent where the rows cannot hold duplicates: a UNIQUE rule on the same
table was dropped earlier in the revision under the same name, or under a name that
spells out every column of the new one (a unique index re-made as partial, a
constraint widened by a column); or one of its columns was added earlier in the same
function without a default (it holds only NULLs, and NULLs never collide) and no
data change ran in between.
Downgrades are not checked.

**Databases:** all.

## Why is this bad?
If the table already holds duplicates the statement fails — on PostgreSQL after a
full build, on MySQL after a full copy — and the deploy stops half-way. Duplicates
that only exist in production data never show up in tests.

## Example
```python
def upgrade() -> None:
    op.create_index("ix_users_email", "users", ["email"], unique=True)
```

## Use instead
```python
def upgrade() -> None:
    op.validate_data_integrity(
        "SELECT email FROM users GROUP BY email HAVING count(*) > 1", "users.email has duplicates"
    )
    op.add_index_concurrently("ix_users_email", "users", ["email"], unique=True)
```
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import UNIQUE, Action, Kind, Revision, Severity
from ...registry import Hit, rule
from ...target import Target


def _is_unique(action: Action) -> bool:
    if action.kind is Kind.CREATE_INDEX:
        return action.has(UNIQUE)
    return action.kind is Kind.ADD_CONSTRAINT and action.constraint == "unique"


def _checked(rev: Revision, action: Action) -> bool:
    return any(
        a.kind is Kind.VALIDATION and a.name == "validate_data_integrity" and a.order < action.order
        for a in rev.actions
    )


def _drops_unique(action: Action) -> bool:
    """A drop of a UNIQUE constraint, or of an index whose name says it is unique."""
    name = (action.name or "").lower()
    if action.kind is Kind.DROP_CONSTRAINT:
        return action.constraint == "unique" or (
            action.constraint is None and ("uq" in name or "unique" in name or "key" in name)
        )
    return action.kind is Kind.DROP_INDEX and ("uq" in name or "unique" in name)


def _replaces(rev: Revision, action: Action) -> bool:
    """A UNIQUE rule on these rows was dropped earlier in the revision: they are unique already.

    The dropped one must be on the same table and either carry the same name, or a
    name that spells out every column of the new one (``uq_sessions_friendly_id_event_id``
    for ``(friendly_id, event_id)``).
    """
    cols = [c.lower() for c in action.columns]
    for earlier in rev.forward():
        if earlier.order >= action.order:
            break
        if not _drops_unique(earlier):
            continue
        unknown_table = earlier.table is None and earlier.schema == action.schema
        if earlier.relation != action.relation and not unknown_table:
            continue
        dropped = (earlier.name or "").lower()
        if action.name and dropped == action.name.lower():
            return True
        if cols and all(c in dropped for c in cols):
            return True
    return False


def _on_new_column(rev: Revision, action: Action) -> bool:
    """A column of the rule was added earlier in the same function without a default.

    Such a column holds only NULLs, and a row with a NULL in any column of a UNIQUE
    rule never collides with another, unless a data change in between filled it.
    """
    cols = set(action.columns)
    if not cols:
        return False
    added: set[str] = set()
    for earlier in rev.forward():
        if earlier.order >= action.order:
            break
        if earlier.phase != action.phase or earlier.relation != action.relation:
            continue
        if earlier.kind is Kind.DATA_CHANGE or earlier.kind is Kind.UNKNOWN_SQL:
            added.clear()
        elif earlier.kind is Kind.ADD_COLUMN and earlier.coldef is not None:
            col = earlier.coldef
            if col.name and col.server_default is None and col.python_default is None:
                added.add(col.name)
    return bool(cols & added)


@rule("ZDM209", "unique-on-existing-data", severity=Severity.WARNING)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for action in rev.forward():
        if not _is_unique(action) or action.new_table or action.safe or _checked(rev, action):
            continue
        if _replaces(rev, action) or _on_new_column(rev, action):
            continue
        cols = ", ".join(action.columns) or "<columns>"
        query = " ".join(
            (
                "SELECT",
                cols,
                "FROM",
                action.relation or "<table>",
                "GROUP BY",
                cols,
                "HAVING count(*) > 1",
            )
        )
        yield Hit.at(
            action,
            f"{action.origin} adds a UNIQUE rule to existing rows of {advice.rel(action)}; it fails if "
            "production data has duplicates",
            f"op.validate_data_integrity({advice.q(query)}, {advice.q(f'{action.relation} has duplicate {cols}')}) first",
        )
