"""ZDM213 python-side-default: NOT NULL column with only a Python-side `default=`.

## What it does
Flags an added NOT NULL column whose default is given only as SQLAlchemy's
Python-side `default=` (no `server_default`), on an existing table.

**Databases:** all.

## Why is this bad?
`default=` lives in the new application's Python code: the database knows nothing
about it. Existing rows get no value, and the old application — still running
during the deploy, and unaware of the column — inserts rows without it, which the
NOT NULL constraint rejects.

## Example
```python
def upgrade() -> None:
    op.add_column("users", sa.Column("plan", sa.String(20), nullable=False, default="free"))
```

## Use instead
```python
def expand() -> None:
    op.add_required_column("users", sa.Column("plan", sa.String(20), nullable=False), default="free")
```
(`op.add_required_column` sets a server-side default.) Columns still mapped by the
models when they are dropped are caught at run time by the contract phase's models
check.
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import Kind, Revision, Severity
from ...registry import Hit, rule
from ...target import Target


@rule("ZDM213", "python-side-default", severity=Severity.ERROR)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for action in rev.forward():
        col = action.coldef
        if action.kind is not Kind.ADD_COLUMN or col is None or action.new_table:
            continue
        if not col.not_null or col.python_default is None or col.server_default is not None:
            continue
        yield Hit.at(
            action,
            f"{action.origin} gives NOT NULL column {advice.q(col.name)} only a Python-side default "
            f"({col.python_default}); the database and the running application do not know it",
            f"op.add_required_column({action.arg('table')}, {advice.column(action, nullable=False)}, "
            f"default={col.python_default}{action.schema_kw})",
        )
