"""ZDM119 vacuum-full-cluster: VACUUM FULL or CLUSTER rewrites the table under an exclusive lock.

## What it does
Flags `VACUUM FULL` (also `VACUUM (FULL, …)`) and `CLUSTER` in raw SQL
(`op.execute(...)` or a `--sql` script). A `CLUSTER` of a table created earlier in
the same revision is not flagged.

**Databases:** PostgreSQL, all versions. The help names `REPACK (CONCURRENTLY)` on
PostgreSQL 19+ and pg_repack before that.

## Why is this bad?
Both commands copy the whole table into a new file and rebuild every index while
holding an ACCESS EXCLUSIVE lock: no reads and no writes until the copy ends, which
on a large table is minutes to hours. They also need free disk space for a second
copy of the table. A migration is the wrong place for bloat maintenance.

## Example
```python
def upgrade() -> None:
    op.execute("VACUUM FULL events")
```

## Use instead
PostgreSQL 19+:
```python
def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("REPACK (CONCURRENTLY) events")
```
Before PostgreSQL 19, run `pg_repack --table=events` outside the migration; it
rewrites the table online with a trigger and only locks briefly at the swap.
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import Kind, Revision, Severity
from ...registry import POSTGRESQL, Hit, rule
from ...target import Target


@rule("ZDM119", "vacuum-full-cluster", severity=Severity.ERROR, dialects=POSTGRESQL)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for action in rev.actions:
        statement = action.options.get("statement")
        if action.kind is not Kind.OTHER_DDL or action.new_table:
            continue
        if statement == "vacuum_full":
            what = "VACUUM FULL"
            tables = action.options.get("tables", "")
            using = ""
        elif statement == "cluster":
            what = "CLUSTER"
            tables = action.table or ""
            index = action.options.get("index")
            using = f" USING INDEX {index}" if index else " USING INDEX" if tables else ""
        else:
            continue
        on = f"{tables} " if tables else "every table "
        if target.at_least(19):
            sql = f"REPACK (CONCURRENTLY) {tables}{using}".rstrip()
            help = f"with op.get_context().autocommit_block(): op.execute({advice.q(sql)})"
        else:
            flag = f" --table={tables.split(', ')[0]}" if tables else ""
            help = (
                f"run pg_repack{flag} outside the migration "
                "(REPACK (CONCURRENTLY) needs PostgreSQL 19+)"
            )
        yield Hit.at(
            action,
            f"{what} rewrites {on}under an ACCESS EXCLUSIVE lock: no reads or writes until the copy ends",
            help,
        )
