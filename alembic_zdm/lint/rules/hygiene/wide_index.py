"""ZDM305 wide-index: non-unique index on more than three columns.

## What it does
Flags `op.create_index(...)`, `op.add_index_concurrently(...)` and `CREATE INDEX` in
raw SQL that build a non-unique index on more than three columns. Unique indexes are
not flagged: their columns are dictated by the constraint. Expression entries of a
SQL index are not counted.

**Databases:** all. Severity `info`: a hygiene hint, not a deploy hazard.

## Why is this bad?
A B-tree is only used from its leading columns, so trailing columns help only
queries that filter on every column before them; meanwhile each extra column makes
the index bigger, every write to the table slower, and builds and vacuums longer.
Wide indexes are usually written for one query and serve it no better than a
narrower one on the most selective columns.

## Example
```python
def upgrade() -> None:
    op.add_index_concurrently(
        "ix_orders_search", "orders", ["tenant_id", "status", "created_at", "customer_id"]
    )
```

## Use instead
```python
def upgrade() -> None:
    op.add_index_concurrently("ix_orders_search", "orders", ["tenant_id", "customer_id"])
```
Lead with the most selective columns that the queries filter on by equality, and stop
at three; check with `EXPLAIN` that the extra columns pay for themselves.
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import UNIQUE, Kind, Revision, Severity
from ...registry import Hit, rule
from ...target import Target

MAX_COLUMNS = 3


@rule("ZDM305", "wide-index", severity=Severity.INFO)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for action in rev.forward():
        if (
            action.kind is not Kind.CREATE_INDEX
            or action.has(UNIQUE)
            or len(action.columns) <= MAX_COLUMNS
        ):
            continue
        first = "[" + ", ".join(advice.q(c) for c in action.columns[:MAX_COLUMNS]) + "]"
        call = "op.add_index_concurrently" if target.is_postgresql else "op.create_index"
        yield Hit.at(
            action,
            f"index {advice.q(action.name)} on {advice.rel(action)} has {len(action.columns)} columns: "
            "every write pays for them, and queries use only a leading prefix",
            f"{call}({action.arg('name')}, {action.arg('table')}, {first})  "
            f"# the {MAX_COLUMNS} most selective columns, checked with EXPLAIN",
        )
