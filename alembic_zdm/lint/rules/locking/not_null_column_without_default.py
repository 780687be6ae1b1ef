"""ZDM113 not-null-column-without-default: ADD COLUMN NOT NULL without a server-side default.

## What it does
Flags an added column that is NOT NULL and has no `server_default` (or SQL
`DEFAULT`), on a table that already exists.

**Databases:** all. (MySQL silently fills zero values instead of failing; SQLite
refuses the statement.)

## Why is this bad?
The existing rows have no value for the column, so the statement fails (PostgreSQL)
or fills them with `0`/`''` (MySQL). Worse, the running application does not know
the column: every INSERT it sends fails with a NOT NULL violation until the new
code is deployed.

## Example
```python
def upgrade() -> None:
    op.add_column("users", sa.Column("status", sa.String(20), nullable=False))
```

## Use instead
```python
def expand() -> None:
    op.add_required_column("users", sa.Column("status", sa.String(20), nullable=False), default="active")
```
It adds the column nullable with a server default, backfills it in migrate, and
enforces NOT NULL in contract (via a validated CHECK, without a long lock).
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import Kind, Revision, Severity
from ...registry import Hit, rule
from ...target import Target


@rule("ZDM113", "not-null-column-without-default", severity=Severity.ERROR)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for action in rev.actions:
        col = action.coldef
        if action.kind is not Kind.ADD_COLUMN or col is None or action.new_table:
            continue
        if not col.not_null or col.server_default is not None or col.generated or col.primary_key:
            continue
        default = col.python_default or "<value for existing rows>"
        yield Hit.at(
            action,
            f"{action.origin} adds NOT NULL column {advice.q(col.name)} to {advice.rel(action)} without a "
            "server default: existing rows have no value and the running application's INSERTs fail",
            f"op.add_required_column({action.arg('table')}, {advice.column(action, nullable=False)}, default={default}"
            f"{action.schema_kw})",
        )
