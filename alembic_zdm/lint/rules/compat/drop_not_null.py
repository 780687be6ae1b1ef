"""ZDM207 drop-not-null: DROP NOT NULL on a column readers rely on.

## What it does
Flags `op.alter_column(..., nullable=True)` and `ALTER COLUMN … DROP NOT NULL` on an
existing table, except when the same revision later drops that column (relaxing it
first is then the expand step of a safe column drop, which is what
`op.safe_drop_column` does). When `nullable=True` comes with a type change and no
`existing_nullable=`, it is reported only if the column is known to be NOT NULL
(`existing_nullable=False`, or the downgrade sets it back to `nullable=False`):
such calls are usually written for columns that were nullable all along.

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
from ...model import UNDO_PHASES, Action, Kind, Revision, Severity
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


def _was_not_null(rev: Revision, action: Action) -> bool:
    """The column is known to be NOT NULL before: said so, written in SQL, or restored on undo.

    ``op.alter_column(..., nullable=True)`` on its own is a deliberate relaxation. Next
    to a type change and without ``existing_nullable=``, it is often written for a
    column that was nullable all along: then only a sign that the column was NOT NULL
    makes the change real.
    """
    if action.via_sql or action.options.get("existing_nullable") == "false":
        return True
    with_type_change = any(
        a.kind is Kind.ALTER_TYPE and a.span == action.span and a.column == action.column
        for a in rev.actions
    )
    if not with_type_change:
        return True
    return any(
        a.kind is Kind.SET_NOT_NULL and a.relation == action.relation and a.column == action.column
        for name, fn in rev.functions.items()
        if name in UNDO_PHASES
        for a in fn.actions
    )


@rule("ZDM207", "drop-not-null", severity=Severity.WARNING)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for action in rev.forward():
        if action.kind is not Kind.DROP_NOT_NULL or action.new_table or action.safe:
            continue
        if _dropped_later(rev, action) or not _was_not_null(rev, action):
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
