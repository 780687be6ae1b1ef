"""ZDM120 table-storage-rewrite: SET LOGGED/UNLOGGED, SET TABLESPACE or SET ACCESS METHOD on an existing table.

## What it does
Flags `ALTER TABLE … SET LOGGED`, `SET UNLOGGED`, `SET TABLESPACE …` and
`SET ACCESS METHOD …` in raw SQL on a table that existed before the revision.

**Databases:** PostgreSQL, all versions (`SET ACCESS METHOD` exists from 15).

## Why is this bad?
Each of these copies the whole table (and, for a tablespace move, its files) while
holding an ACCESS EXCLUSIVE lock: no reads and no writes until the copy ends.
`SET LOGGED` also writes the whole table to the WAL, which can flood replicas and
backups. None of them has an online variant.

## Example
```python
def upgrade() -> None:
    op.execute("ALTER TABLE events SET LOGGED")
```

## Use instead
```python
def expand() -> None:
    op.execute("CREATE TABLE events_new (LIKE events INCLUDING ALL)")
```
Create a new table with the storage you want, keep it in sync (dual-write trigger)
and backfill it in batches, then swap the names in `contract()` — or run the change
in a maintenance window where the lock is acceptable.
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import Kind, Revision, Severity
from ...registry import POSTGRESQL, Hit, rule
from ...target import Target

_CLAUSES = {
    "set_logged": "SET LOGGED",
    "set_unlogged": "SET UNLOGGED",
    "set_tablespace": "SET TABLESPACE",
    "set_access_method": "SET ACCESS METHOD",
}


@rule("ZDM120", "table-storage-rewrite", severity=Severity.ERROR, dialects=POSTGRESQL)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for action in rev.actions:
        clause = _CLAUSES.get(action.options.get("statement", ""))
        if action.kind is not Kind.OTHER_DDL or clause is None or action.new_table:
            continue
        value = action.options.get("value")
        clause = f"{clause} {value}" if value else clause
        table = action.relation or "..."
        sql = f"CREATE TABLE {table}_new (LIKE {table} INCLUDING ALL)"
        yield Hit.at(
            action,
            f"ALTER TABLE {advice.rel(action)} {clause} rewrites the whole table under an "
            "ACCESS EXCLUSIVE lock: no reads or writes until the copy ends",
            f"op.execute({advice.q(sql)})  # in expand(), then dual-write, backfill and "
            "swap names in contract(); or use a maintenance window",
        )
