"""ZDM101 create-index-blocking: CREATE INDEX without CONCURRENTLY on an existing table.

## What it does
Flags `op.create_index(...)` (also on `batch_op`, and `index=True` on an added
column) and `CREATE INDEX` in raw SQL without `CONCURRENTLY`, on a table that was
not created earlier in the same revision.

**Databases:** PostgreSQL, all versions.

## Why is this bad?
A plain `CREATE INDEX` takes a SHARE lock on the table for the whole build: every
INSERT, UPDATE and DELETE waits until the index is built, which on a large table is
minutes. `CREATE INDEX CONCURRENTLY` builds without blocking writes, but must run
outside a transaction, and a failed build leaves an INVALID index behind.

## Example
```python
def upgrade() -> None:
    op.create_index("ix_users_email", "users", ["email"])
```

## Use instead
```python
def upgrade() -> None:
    op.add_index_concurrently("ix_users_email", "users", ["email"])
```
`op.add_index_concurrently` runs `CREATE INDEX CONCURRENTLY` in an autocommit
block, drops and retries an INVALID index left by a failed build, and uses the
long lock timeout class for it.
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import CONCURRENTLY, Kind, Revision, Severity
from ...registry import POSTGRESQL, Hit, rule
from ...target import Target


@rule("ZDM101", "create-index-blocking", severity=Severity.ERROR, dialects=POSTGRESQL)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for action in rev.actions:
        if action.kind is not Kind.CREATE_INDEX or action.has(CONCURRENTLY) or action.new_table:
            continue
        index = f"index {advice.q(action.name)}" if action.name else "an index"
        yield Hit.at(
            action,
            f"{action.origin} builds {index} on existing table "
            f"{advice.rel(action)} without CONCURRENTLY: writes to the table are blocked until the build ends",
            advice.add_index_concurrently(action),
        )
