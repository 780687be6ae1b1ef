"""ZDM102 drop-index-blocking: DROP INDEX without CONCURRENTLY.

## What it does
Flags `op.drop_index(...)` and `DROP INDEX` in raw SQL without `CONCURRENTLY`,
unless the index was created earlier in the same revision.

**Databases:** PostgreSQL, all versions.

## Why is this bad?
`DROP INDEX` takes an ACCESS EXCLUSIVE lock on the index's table: while it waits
for running queries to finish, every new read and write of the table queues behind
it. `DROP INDEX CONCURRENTLY` waits without blocking. (It cannot drop an index that
backs a UNIQUE or PRIMARY KEY constraint: drop the constraint instead.)

## Example
```python
def upgrade() -> None:
    op.drop_index("ix_users_email", table_name="users")
```

## Use instead
```python
def upgrade() -> None:
    op.drop_index_concurrently("ix_users_email", "users")
```
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import CONCURRENTLY, Kind, Revision, Severity
from ...registry import POSTGRESQL, Hit, rule
from ...target import Target


@rule("ZDM102", "drop-index-blocking", severity=Severity.ERROR, dialects=POSTGRESQL)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for action in rev.actions:
        if action.kind is not Kind.DROP_INDEX or action.has(CONCURRENTLY) or action.new_table:
            continue
        table = advice.rel(action) if action.table or "table" in action.code else "the table"
        yield Hit.at(
            action,
            f"{action.origin} drops {advice.index_ref(action)} without CONCURRENTLY: it takes an "
            f"ACCESS EXCLUSIVE lock and every query on {table} queues behind it",
            advice.drop_index_concurrently(action),
        )
