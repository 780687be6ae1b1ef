"""ZDM003 data-change-outside-migrate: UPDATE, DELETE, INSERT … SELECT or a backfill in expand() or contract().

## What it does
Flags data changes — `UPDATE`, `DELETE`, `INSERT … SELECT` in raw SQL, SQLAlchemy
Core `update()`/`delete()` statements, and `op.backfill` — in the `expand()` or
`contract()` step of a phased revision.

## Why is this bad?
`expand()` is meant to be quick and additive, and `contract()` runs after the deploy
with the new code live. Moving data there mixes long row-by-row work with schema
locks and with the deploy window; a failure leaves a half-updated table at the
worst moment. The `migrate()` phase exists for data movement: it runs between
expand and contract, can be retried, and `op.backfill` there works in small,
resumable batches.

## Example
```python
def expand() -> None:
    op.add_column("users", sa.Column("status", sa.Text()))
    op.execute("UPDATE users SET status = 'active' WHERE status IS NULL")
```

## Use instead
```python
def expand() -> None:
    op.add_column("users", sa.Column("status", sa.Text()))


def migrate() -> None:
    op.backfill("users", set={"status": "'active'"}, where="status IS NULL", batch_size=1000)
```
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import Kind, Revision, Severity
from ...registry import Hit, rule
from ...target import Target


@rule("ZDM003", "data-change-outside-migrate", severity=Severity.ERROR, undo=False)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    if not rev.phased:
        return
    for action in rev.actions:
        if action.kind is not Kind.DATA_CHANGE or action.phase not in ("expand", "contract"):
            continue
        if action.new_table:
            continue
        help_code = advice.backfill(action) if action.table or action.safe else "op.backfill(...)"
        yield Hit.at(
            action,
            f"{action.origin} changes data {action.where}; data movement belongs in migrate(), "
            "between the schema changes and the deploy",
            f"in migrate(): {help_code}",
        )
