"""ZDM102 drop-index-blocking: DROP INDEX without CONCURRENTLY.

## What it does
Flags `op.drop_index(...)` and `DROP INDEX` in raw SQL without `CONCURRENTLY`,
unless the index was created earlier in the same revision, or goes anyway with what
the same function drops next: its table, or a column its name spells out
(`roles_user_name_idx` before `op.drop_column("roles", "user_name")`). Those drops
take the same ACCESS EXCLUSIVE lock and are reported by their own rules.

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
from ...model import CONCURRENTLY, Action, Kind, Revision, Severity
from ...registry import POSTGRESQL, Hit, rule
from ...target import Target


def _goes_with_a_later_drop(rev: Revision, index: Action) -> bool:
    """The same function later drops the index's table, or a column the index name spells out."""
    if index.table is None:
        return False
    name = (index.name or "").lower()
    for later in rev.actions:
        if later.order <= index.order or later.phase != index.phase:
            continue
        if later.relation != index.relation:
            continue
        if later.kind is Kind.DROP_TABLE:
            return True
        if later.kind is Kind.DROP_COLUMN and later.column and later.column.lower() in name:
            return True
    return False


@rule("ZDM102", "drop-index-blocking", severity=Severity.ERROR, dialects=POSTGRESQL)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for action in rev.actions:
        if action.kind is not Kind.DROP_INDEX or action.has(CONCURRENTLY) or action.new_table:
            continue
        if _goes_with_a_later_drop(rev, action):
            continue
        table = advice.rel(action) if action.table or "table" in action.code else "the table"
        yield Hit.at(
            action,
            f"{action.origin} drops {advice.index_ref(action)} without CONCURRENTLY: it takes an "
            f"ACCESS EXCLUSIVE lock and every query on {table} queues behind it",
            advice.drop_index_concurrently(action),
        )
