"""ZDM205 rename-table: RENAME TABLE.

## What it does
Flags `op.rename_table(...)`, `ALTER TABLE … RENAME TO` and MySQL `RENAME TABLE` in a
plain `upgrade()` or in `contract()` (in `expand()`/`migrate()` it is ZDM001's).

**Databases:** all.

## Why is this bad?
Like a column rename, a table rename breaks whichever application version uses the
other name, and during a rolling deploy both run.

## Example
```python
def upgrade() -> None:
    op.rename_table("customers", "accounts")
```

## Use instead
```python
def expand() -> None:
    op.rename_table("customers", "accounts")
    op.execute("CREATE VIEW customers AS SELECT * FROM accounts")  # updatable view for the old code


def contract() -> None:
    op.execute("DROP VIEW customers")
```
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import Kind, Revision, Severity
from ...registry import Hit, rule
from ...target import Target


@rule("ZDM205", "rename-table", severity=Severity.ERROR)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for action in rev.actions:
        if (
            action.kind is not Kind.RENAME_TABLE
            or action.new_table
            or action.phase not in ("upgrade", "contract")
        ):
            continue
        view = " ".join(
            (
                "CREATE VIEW",
                action.relation or "old",
                "AS SELECT * FROM",
                f"{action.schema}.{action.name}" if action.schema else action.name or "new",
            )
        )
        yield Hit.at(
            action,
            f"{action.origin} renames table {advice.rel(action)} to {advice.q(action.name)}: the "
            "application running on the other name fails",
            f"in expand(): {advice.call('rename_table', action, 'table', 'name')}; "
            f'op.execute("{view}"); drop the view in contract()',
        )
