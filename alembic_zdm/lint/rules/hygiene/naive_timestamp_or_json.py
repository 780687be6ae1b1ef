"""ZDM303 naive-timestamp-or-json: a new column of type timestamp without time zone, or json.

## What it does
Flags a column typed `timestamp` without time zone (`sa.DateTime()`,
`sa.TIMESTAMP()`) or `json` (`sa.JSON()`) in `op.add_column(...)`,
`op.create_table(...)` and `ADD COLUMN` / `CREATE TABLE` in raw SQL, in the forward
functions. Changing an existing column's type is not flagged here.

**Databases:** PostgreSQL, all versions. Severity `info`.

## Why is this bad?
`timestamp` stores a wall-clock time with no zone: the same value means different
instants depending on the session's `TimeZone`, and daylight-saving changes make some
values ambiguous. `timestamptz` stores an instant (in the same 8 bytes) and converts
on output. `json` stores the text as written: every access re-parses it, it cannot be
indexed with GIN, and it has no equality operator (so no `DISTINCT` or `GROUP BY`);
`jsonb` has none of these limits.

## Example
```python
def upgrade() -> None:
    op.add_column("events", sa.Column("occurred_at", sa.DateTime(), nullable=True))
    op.add_column("events", sa.Column("payload", sa.JSON(), nullable=True))
```

## Use instead
```python
def upgrade() -> None:
    op.add_column("events", sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("events", sa.Column("payload", postgresql.JSONB(), nullable=True))
```
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import Revision, Severity
from ...registry import POSTGRESQL, Hit, rule
from ...target import Target
from . import _nullable, new_columns

_BETTER = {
    "timestamp": ("timestamptz", "sa.DateTime(timezone=True)", "stores no time zone"),
    "timestamp without time zone": (
        "timestamptz",
        "sa.DateTime(timezone=True)",
        "stores no time zone",
    ),
    "json": ("jsonb", "postgresql.JSONB()", "is re-parsed on every access and cannot be indexed"),
}


@rule("ZDM303", "naive-timestamp-or-json", severity=Severity.INFO, dialects=POSTGRESQL)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for action, col in new_columns(rev):
        spec = col.type
        better = _BETTER.get(spec.name) if spec is not None else None
        if spec is None or better is None:
            continue
        sql_type, sa_type, why = better
        yield Hit.at(
            action,
            f"column {advice.q(col.name)} of {advice.rel(action)} is {spec.render()}, which {why}: "
            f"use {sql_type}",
            f"sa.Column({advice.q(col.name)}, {sa_type}{_nullable(col)})",
        )
