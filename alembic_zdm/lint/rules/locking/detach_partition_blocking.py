"""ZDM118 detach-partition-blocking: DETACH PARTITION without CONCURRENTLY.

## What it does
Flags `ALTER TABLE … DETACH PARTITION …` in raw SQL without `CONCURRENTLY` on a
partitioned table that existed before the revision.

**Databases:** PostgreSQL 14+ (the version that added `DETACH PARTITION …
CONCURRENTLY`); silent for older targets, which have no alternative.

## Why is this bad?
A plain `DETACH PARTITION` takes an ACCESS EXCLUSIVE lock on the parent table: every
read and write of every partition waits, and queues behind any long query already
running on the table. `DETACH PARTITION … CONCURRENTLY` takes only a SHARE UPDATE
EXCLUSIVE lock on the parent, in two transactions; it cannot run inside a
transaction block, and a partition left half-detached by a failure is finished with
`DETACH PARTITION … FINALIZE`.

## Example
```python
def upgrade() -> None:
    op.execute("ALTER TABLE measurements DETACH PARTITION measurements_2023")
```

## Use instead
```python
def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("ALTER TABLE measurements DETACH PARTITION measurements_2023 CONCURRENTLY")
```
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import Kind, Revision, Severity
from ...registry import POSTGRESQL, Hit, rule
from ...target import Target


@rule("ZDM118", "detach-partition-blocking", severity=Severity.ERROR, dialects=POSTGRESQL)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    if not target.at_least(14):
        return
    for action in rev.actions:
        options = action.options
        if (
            action.kind is not Kind.OTHER_DDL
            or options.get("statement") != "detach_partition"
            or options.get("concurrently")
            or action.new_table
        ):
            continue
        sql = f"ALTER TABLE {action.relation} DETACH PARTITION {options['partition']} CONCURRENTLY"
        yield Hit.at(
            action,
            f"DETACH PARTITION {options['partition']} without CONCURRENTLY takes an ACCESS EXCLUSIVE "
            f"lock on {advice.rel(action)}: every query on every partition waits",
            f"with op.get_context().autocommit_block(): op.execute({advice.q(sql)})",
        )
