"""ZDM130 mysql-copy-algorithm: MySQL `ALGORITHM=COPY` or `LOCK=SHARED/EXCLUSIVE` on an existing table.

## What it does
Flags `ALTER TABLE … ALGORITHM=COPY` and `LOCK=SHARED` / `LOCK=EXCLUSIVE` in raw SQL
on a table not created in the same revision.

**Databases:** MySQL, MariaDB.

## Why is this bad?
`ALGORITHM=COPY` rebuilds the table row by row and blocks writes (`LOCK=SHARED`) or
all access (`LOCK=EXCLUSIVE`) for the whole copy. Most changes can run `INSTANT` or
`INPLACE` with `LOCK=NONE`; asking for those explicitly makes MySQL refuse the
statement instead of silently falling back to a blocking copy.

## Example
```python
def upgrade() -> None:
    op.execute("ALTER TABLE users ADD COLUMN nickname VARCHAR(50), ALGORITHM=COPY")
```

## Use instead
```python
def upgrade() -> None:
    op.execute("ALTER TABLE users ADD COLUMN nickname VARCHAR(50), ALGORITHM=INSTANT")
```
or `ALGORITHM=INPLACE, LOCK=NONE`; for changes that need a copy, gh-ost or
pt-online-schema-change.
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import Revision, Severity
from ...registry import MYSQL, Hit, rule
from ...target import Target


@rule("ZDM130", "mysql-copy-algorithm", severity=Severity.ERROR, dialects=MYSQL)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    seen: set[tuple[int, int]] = set()
    for action in rev.actions:
        algorithm = action.options.get("algorithm", "")
        lock = action.options.get("lock", "")
        if action.new_table or (algorithm != "COPY" and lock not in ("SHARED", "EXCLUSIVE")):
            continue
        if (action.line, action.col) in seen:
            continue
        seen.add((action.line, action.col))
        asked = ", ".join(
            f"{k.upper()}={v}" for k, v in (("algorithm", algorithm), ("lock", lock)) if v
        )
        yield Hit.at(
            action,
            f"ALTER TABLE {advice.rel(action)} with {asked} blocks the table's writes for the whole copy",
            "use ALGORITHM=INSTANT, or ALGORITHM=INPLACE, LOCK=NONE",
        )
