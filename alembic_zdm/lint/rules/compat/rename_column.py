"""ZDM204 rename-column: RENAME COLUMN.

## What it does
Flags `op.alter_column(..., new_column_name=…)` and `ALTER TABLE … RENAME COLUMN`
in a plain `upgrade()` or in `contract()` (in `expand()`/`migrate()` it is ZDM001's).

**Databases:** all.

## Why is this bad?
There is no moment at which a rename is safe: before the deploy the old code uses
the old name, after it the new code uses the new name, and during a rolling deploy
both run at once. Whichever runs against the other name fails.

## Example
```python
def upgrade() -> None:
    op.alter_column("users", "name", new_column_name="full_name")
```

## Use instead
```python
def expand() -> None:
    op.safe_rename_column("users", "name", "full_name")
```
It adds the new column, keeps both in sync with a trigger, backfills, and drops the
old column in contract. Alternatively rename only in the ORM:
`full_name = mapped_column("name", sa.Text)`.
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import Kind, Revision, Severity
from ...registry import Hit, rule
from ...target import Target


@rule("ZDM204", "rename-column", severity=Severity.ERROR)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for action in rev.actions:
        if action.kind is not Kind.RENAME_COLUMN or action.new_table or action.safe:
            continue
        if action.phase not in ("upgrade", "contract"):
            continue
        yield Hit.at(
            action,
            f"{action.origin} renames {advice.rel(action)}.{advice.q(action.column)} to "
            f"{advice.q(action.name)}: the application running on the other name fails",
            f"in expand(): {advice.call('safe_rename_column', action, 'table', 'column', 'name')}",
        )
