"""ZDM105 unique-constraint-blocking: ADD CONSTRAINT … UNIQUE on an existing table.

## What it does
Flags `op.create_unique_constraint(...)`, `unique=True` on an added column, and
`ALTER TABLE … ADD [CONSTRAINT …] UNIQUE (…)` in raw SQL, on a table not created in
the same revision. `ADD CONSTRAINT … UNIQUE USING INDEX` is fine.

**Databases:** PostgreSQL, all versions.

## Why is this bad?
Adding a UNIQUE constraint builds its index while holding an ACCESS EXCLUSIVE lock
on the table: no reads and no writes until the index is built.

## Example
```python
def upgrade() -> None:
    op.create_unique_constraint("uq_users_email", "users", ["email"])
```

## Use instead
```python
def upgrade() -> None:
    op.add_unique_constraint_safe("uq_users_email", "users", ["email"])
```
It builds the unique index `CONCURRENTLY`, then attaches it with
`ADD CONSTRAINT … UNIQUE USING INDEX`, which is instant.
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import USING_INDEX, Kind, Revision, Severity
from ...registry import POSTGRESQL, Hit, rule
from ...target import Target


@rule("ZDM105", "unique-constraint-blocking", severity=Severity.ERROR, dialects=POSTGRESQL)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for action in rev.actions:
        if action.kind is not Kind.ADD_CONSTRAINT or action.constraint != "unique":
            continue
        if action.has(USING_INDEX) or action.new_table or action.safe:
            continue
        yield Hit.at(
            action,
            f"{action.origin} builds a unique index on {advice.rel(action)} under an ACCESS "
            "EXCLUSIVE lock: reads and writes wait until it is built",
            advice.call("add_unique_constraint_safe", action, "name", "table", "columns"),
        )
