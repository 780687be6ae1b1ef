"""ZDM202 drop-table: DROP TABLE outside a contract phase.

## What it does
Flags `op.drop_table(...)` and `DROP TABLE` in a plain `upgrade()` (or a `--sql`
script), for tables not created in the same revision. In a phased revision,
`contract()` is the right place and `expand()`/`migrate()` is ZDM001's.
`op.safe_drop_table` is never flagged.

**Databases:** all.

## Why is this bad?
The application version that is still running during the deploy may read or write
the table: its queries fail as soon as it is gone, and the data cannot be brought
back by a rollback.

## Example
```python
def upgrade() -> None:
    op.drop_table("legacy_sessions")
```

## Use instead
```python
def contract() -> None:
    op.safe_drop_table("legacy_sessions")
```
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import Kind, Revision, Severity
from ...registry import Hit, rule
from ...target import Target


@rule("ZDM202", "drop-table", severity=Severity.ERROR)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    if rev.phased:
        return
    for action in rev.actions:
        if (
            action.kind is not Kind.DROP_TABLE
            or action.phase != "upgrade"
            or action.safe
            or action.new_table
        ):
            continue
        yield Hit.at(
            action,
            f"{action.origin} drops table {advice.rel(action)} while the running application may still use it",
            f"in contract(): {advice.call('safe_drop_table', action, 'table')}",
        )
