"""ZDM209 unique-on-existing-data: a new UNIQUE constraint or index on existing data.

## What it does
Flags `op.create_unique_constraint(...)`, `op.create_index(..., unique=True)`,
`unique=True` on an added column and `CREATE UNIQUE INDEX` / `ADD … UNIQUE` in raw
SQL on an existing table, unless an `op.validate_data_integrity(...)` check runs
earlier in the revision. The plugin's `op.add_unique_constraint_safe` and
`op.add_index_concurrently(..., unique=True)` are not flagged: they build the index
concurrently and clean up after a failed build, so duplicates stop the migration
without harm.

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


@rule("ZDM209", "unique-on-existing-data", severity=Severity.WARNING)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for action in rev.forward():
        if not _is_unique(action) or action.new_table or action.safe or _checked(rev, action):
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
            f"{action.origin} adds a UNIQUE rule to existing rows of {advice.q(action.relation)}; it fails if "
            "production data has duplicates",
            f"op.validate_data_integrity({advice.q(query)}, {advice.q(f'{action.relation} has duplicate {cols}')}) first",
        )
