"""ZDM103 concurrently-in-transaction: CONCURRENTLY inside a transaction block.

## What it does
Flags `CREATE INDEX CONCURRENTLY` and `DROP INDEX CONCURRENTLY` — written as
`op.create_index(..., postgresql_concurrently=True)`, `op.drop_index(...,
postgresql_concurrently=True)` or raw SQL — outside
`with op.get_context().autocommit_block():`. In a `--sql` script, statements
between `BEGIN` and `COMMIT` are inside a transaction.

**Databases:** PostgreSQL, all versions.

## Why is this bad?
Alembic runs each revision in a transaction on PostgreSQL, and PostgreSQL refuses
`CONCURRENTLY` there: `CREATE INDEX CONCURRENTLY cannot run inside a transaction
block`. The migration fails at deploy time.

## Example
```python
def upgrade() -> None:
    op.create_index("ix_users_email", "users", ["email"], postgresql_concurrently=True)
```

## Use instead
```python
def upgrade() -> None:
    op.add_index_concurrently("ix_users_email", "users", ["email"])
```
or wrap the call in `with op.get_context().autocommit_block():`.
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import CONCURRENTLY, Kind, Revision, Severity
from ...registry import POSTGRESQL, Hit, rule
from ...target import Target


@rule("ZDM103", "concurrently-in-transaction", severity=Severity.ERROR, dialects=POSTGRESQL)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for action in rev.actions:
        if not action.has(CONCURRENTLY) or action.autocommit or action.safe:
            continue
        if action.kind is Kind.CREATE_INDEX:
            code = advice.add_index_concurrently(action)
        elif action.kind is Kind.DROP_INDEX:
            code = advice.drop_index_concurrently(action)
        else:
            code = "with op.get_context().autocommit_block(): ..."
        yield Hit.at(
            action,
            f"{action.origin} uses CONCURRENTLY inside the revision's transaction; PostgreSQL "
            "refuses it there, so the migration fails",
            code,
        )
