"""ZDM207 drop-not-null: DROP NOT NULL on a column readers rely on.

## What it does
Flags `op.alter_column(..., nullable=True)` and `ALTER COLUMN … DROP NOT NULL` on an
existing table, except when the same revision later drops that column (relaxing it
first is then the expand step of a safe column drop, which is what
`op.safe_drop_column` does).

**Databases:** all.

## Why is this bad?
Code that reads the column was written when it could not be NULL: once new code
starts writing NULLs, old readers (and reports, exports, other services) crash on
`None` or compute wrong results.

## Example
```python
def upgrade() -> None:
    op.alter_column("users", "email", nullable=True)
```

## Use instead
Keep the column NOT NULL and write a sentinel value, or add a new nullable column
and move readers to it:
```python
def expand() -> None:
    op.add_column("users", sa.Column("email_v2", sa.Text(), nullable=True))
```
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import Action, Kind, Revision, Severity
from ...registry import Hit, rule
from ...target import Target


def _dropped_later(rev: Revision, action: Action) -> bool:
    return any(
        a.kind is Kind.DROP_COLUMN
        and a.relation == action.relation
        and a.column == action.column
        and a.order > action.order
        for a in rev.forward()
    )


@rule("ZDM207", "drop-not-null", severity=Severity.WARNING)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for action in rev.forward():
        if action.kind is not Kind.DROP_NOT_NULL or action.new_table or action.safe:
            continue
        if _dropped_later(rev, action):
            continue
        col = action.coldef.type if action.coldef else None
        yield Hit.at(
            action,
            f"{action.origin} lets {advice.rel(action)}.{advice.q(action.column)} be NULL; code that reads it "
            "may not expect NULLs",
            f"keep NOT NULL with a sentinel value, or add a new column: op.add_column({action.arg('table')}, "
            f'sa.Column("{action.column or "column"}_v2", {advice.sa_type(col)}, nullable=True)'
            f"{action.schema_kw})",
        )
