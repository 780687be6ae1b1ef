"""ZDM106 add-primary-key-blocking: ADD PRIMARY KEY on an existing table.

## What it does
Flags `op.create_primary_key(...)` (also on `batch_op`) and `ALTER TABLE … ADD
PRIMARY KEY` / `ADD CONSTRAINT … PRIMARY KEY (…)` in raw SQL on a table that existed
before the revision. `ADD CONSTRAINT … PRIMARY KEY USING INDEX …` is not flagged.

**Databases:** PostgreSQL, all versions.

## Why is this bad?
Adding a primary key builds its unique index while holding an ACCESS EXCLUSIVE lock
on the table: no reads and no writes for the whole build. If a key column is
nullable, PostgreSQL also sets NOT NULL on it, which scans the table under the same
lock (unless a validated `CHECK (col IS NOT NULL)` already proves it, PostgreSQL 12+).

## Example
```python
def upgrade() -> None:
    op.create_primary_key("pk_events", "events", ["id"])
```

## Use instead
```python
def expand() -> None:
    op.set_not_null_safe("events", "id")
    op.add_index_concurrently("pk_events", "events", ["id"], unique=True)


def migrate() -> None:
    op.execute("ALTER TABLE events ADD CONSTRAINT pk_events PRIMARY KEY USING INDEX pk_events")
```
`ADD PRIMARY KEY USING INDEX` only renames the ready index into the constraint: a
brief lock, no build and, with the columns already NOT NULL, no scan.
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import USING_INDEX, Kind, Revision, Severity
from ...registry import POSTGRESQL, Hit, rule
from ...target import Target


@rule("ZDM106", "add-primary-key-blocking", severity=Severity.ERROR, dialects=POSTGRESQL)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for action in rev.actions:
        if (
            action.kind is not Kind.ADD_CONSTRAINT
            or action.constraint != "primary_key"
            or action.has(USING_INDEX)
            or action.new_table
            or action.safe
        ):
            continue
        name = action.name or f"{action.table or 'table'}_pkey"
        sql = f"ALTER TABLE {action.relation or '...'} ADD CONSTRAINT {name} PRIMARY KEY USING INDEX {name}"
        index = (
            f"op.add_index_concurrently({advice.q(name)}, {action.arg('table')}, "
            f"{action.arg('columns')}, unique=True{action.schema_kw})"
        )
        yield Hit.at(
            action,
            f"{action.origin} on existing table {advice.rel(action)} builds the key's index under an "
            "ACCESS EXCLUSIVE lock (and scans for NULLs if a column is nullable): no reads or writes meanwhile",
            f"{index}, then op.execute({advice.q(sql)}) (NOT NULL first with op.set_not_null_safe)",
        )
