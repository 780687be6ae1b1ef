"""ZDM104 reindex-blocking: REINDEX without CONCURRENTLY.

## What it does
Flags `REINDEX INDEX|TABLE|SCHEMA|DATABASE …` in raw SQL (`op.execute(...)` or a
`--sql` script) without `CONCURRENTLY`, unless the table was created earlier in the
same revision.

**Databases:** PostgreSQL, all versions. `REINDEX … CONCURRENTLY` needs PostgreSQL 12+;
below 12 the help suggests building a new index concurrently and swapping it in.

## Why is this bad?
A plain `REINDEX` takes an ACCESS EXCLUSIVE lock on the index (blocking every query
that would use it) and a SHARE lock on its table (blocking every write) while it
rebuilds; for `REINDEX TABLE` that is every index of the table, one after another.
`REINDEX … CONCURRENTLY` rebuilds next to the old index and swaps it in with only
brief locks, but must run outside a transaction block.

## Example
```python
def upgrade() -> None:
    op.execute("REINDEX INDEX ix_users_email")
```

## Use instead
```python
def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("REINDEX INDEX CONCURRENTLY ix_users_email")
```
A failed concurrent rebuild leaves an INVALID `…_ccnew` index behind: drop it before
retrying. Before PostgreSQL 12, create a replacement with
`op.add_index_concurrently(...)`, then drop the old index with
`op.drop_index_concurrently(...)`.
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import Kind, Revision, Severity
from ...registry import POSTGRESQL, Hit, rule
from ...target import Target


@rule("ZDM104", "reindex-blocking", severity=Severity.ERROR, dialects=POSTGRESQL)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for action in rev.actions:
        options = action.options
        if (
            action.kind is not Kind.OTHER_DDL
            or options.get("statement") != "reindex"
            or options.get("concurrently")
            or action.new_table
        ):
            continue
        what = f"{options['object'].upper()} {options['target']}".strip()
        index = "the index" if options["object"] == "index" else "each index"
        message = (
            f"REINDEX {what} without CONCURRENTLY locks {index} against every query "
            "and its table against writes until the rebuild ends"
        )
        if target.at_least(12):
            sql = f"REINDEX {options['object'].upper()} CONCURRENTLY {options['target']}".strip()
            help = f"with op.get_context().autocommit_block(): op.execute({advice.q(sql)})"
        else:
            help = (
                "build a replacement with op.add_index_concurrently(...), then "
                f"op.drop_index_concurrently({advice.q(options['target'])}, ...)"
                " (REINDEX … CONCURRENTLY needs PostgreSQL 12+)"
            )
        yield Hit.at(action, message, help)
