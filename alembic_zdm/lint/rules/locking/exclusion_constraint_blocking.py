"""ZDM107 exclusion-constraint-blocking: exclusion constraint added to an existing table.

## What it does
Flags `op.create_exclude_constraint(...)` and `ADD CONSTRAINT … EXCLUDE USING …` in
raw SQL on a table that existed before the revision.

**Databases:** PostgreSQL, all versions.

## Why is this bad?
An exclusion constraint builds its index and checks every existing row against every
other while holding an ACCESS EXCLUSIVE lock: no reads and no writes until it ends.
Unlike CHECK and FOREIGN KEY constraints it cannot be added `NOT VALID`, and it
cannot be attached to an index built concurrently, so there is no online way to add
it.

## Example
```python
def upgrade() -> None:
    op.create_exclude_constraint(
        "ex_bookings_room_during", "bookings", ("room_id", "="), ("during", "&&")
    )
```

## Use instead
```python
def expand() -> None:
    op.create_table(
        "bookings_new",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("room_id", sa.BigInteger(), nullable=False),
        sa.Column("during", postgresql.TSTZRANGE(), nullable=False),
        postgresql.ExcludeConstraint(("room_id", "="), ("during", "&&")),
    )
```
Create a new table with the constraint, dual-write and backfill into it, then swap
the names in `contract()`; or add the constraint in a maintenance window when the
table is small enough for the lock.
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import Kind, Revision, Severity
from ...registry import POSTGRESQL, Hit, rule
from ...target import Target


@rule("ZDM107", "exclusion-constraint-blocking", severity=Severity.ERROR, dialects=POSTGRESQL)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for action in rev.actions:
        if (
            action.kind is not Kind.ADD_CONSTRAINT
            or action.constraint != "exclude"
            or action.new_table
            or action.safe
        ):
            continue
        table = action.relation or "table"
        yield Hit.at(
            action,
            f"{action.origin} on existing table {advice.rel(action)} checks every row under an "
            "ACCESS EXCLUSIVE lock, and an exclusion constraint cannot be added NOT VALID",
            f"op.create_table({advice.q(table + '_new')}, ..., postgresql.ExcludeConstraint(...)) in "
            "expand(), dual-write and backfill, swap names in contract(); or a maintenance window",
        )
