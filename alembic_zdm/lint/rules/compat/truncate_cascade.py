"""ZDM212 truncate-cascade: TRUNCATE … CASCADE empties tables the statement does not name.

## What it does
Flags `TRUNCATE … CASCADE` in raw SQL (`op.execute(...)` or a `--sql` script) in the
forward functions of a revision.

**Databases:** PostgreSQL (MySQL, MariaDB and SQLite have no `TRUNCATE … CASCADE`).

## Why is this bad?
`CASCADE` also truncates every table with a foreign key to the named ones, and every
table referencing those, recursively — tables the author may not know about, added
later by someone else. The data is gone in one statement, without a trace in the
migration of which tables were emptied, and `TRUNCATE` takes an ACCESS EXCLUSIVE lock
on each of them.

## Example
```python
def upgrade() -> None:
    op.execute("TRUNCATE import_batches CASCADE")
```

## Use instead
```python
def upgrade() -> None:
    op.execute("TRUNCATE import_rows, import_batches")
```
Name every table to empty; without `CASCADE`, PostgreSQL refuses if another table
still references them, which is exactly the check you want.
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import Kind, Revision, Severity
from ...registry import POSTGRESQL, Hit, rule
from ...target import Target


@rule("ZDM212", "truncate-cascade", severity=Severity.ERROR, dialects=POSTGRESQL)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for action in rev.forward():
        options = action.options
        if (
            action.kind is not Kind.OTHER_DDL
            or options.get("statement") != "truncate"
            or not options.get("cascade")
        ):
            continue
        tables = options.get("tables") or "..."
        sql = f"TRUNCATE <referencing tables>, {tables}"
        yield Hit.at(
            action,
            f"TRUNCATE {tables} CASCADE also empties every table that references it, "
            "recursively, including tables this migration does not name",
            f"op.execute({advice.q(sql)})  # name every table, without CASCADE",
        )
