"""ZDM201 drop-column: DROP COLUMN outside a contract phase.

## What it does
Flags `op.drop_column(...)` (also on `batch_op`) and `ALTER TABLE … DROP COLUMN` in
a plain `upgrade()` (or a `--sql` script). In a phased revision, a drop in
`contract()` is where it belongs and a drop in `expand()`/`migrate()` is ZDM001's.
`op.safe_drop_column` is never flagged.

**Databases:** all.

## Why is this bad?
During a rolling deploy the old application is still running, and SQLAlchemy
selects every mapped column by name: as soon as the column is gone, every query of
the model fails with `column "…" does not exist`. The column may only go once no
running code maps it.

## Example
```python
def upgrade() -> None:
    op.drop_column("users", "legacy_flag")
```

## Use instead
```python
def contract() -> None:
    op.safe_drop_column("users", "legacy_flag")
```
First remove the attribute from the model (or mark it `deferred` / list it in
`exclude_properties`) and deploy; `op.safe_drop_column` refuses to drop a column
the models still map, and drops its indexes concurrently first.
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import Kind, Revision, Severity
from ...registry import Hit, rule
from ...target import Target


@rule("ZDM201", "drop-column", severity=Severity.ERROR)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    if rev.phased:
        return
    for action in rev.actions:
        if (
            action.kind is not Kind.DROP_COLUMN
            or action.phase != "upgrade"
            or action.safe
            or action.new_table
        ):
            continue
        yield Hit.at(
            action,
            f"{action.origin} drops {advice.rel(action)}.{advice.q(action.column)} while the running "
            "application may still select it",
            f"in contract(), after the models stop mapping it: {advice.call('safe_drop_column', action, 'table', 'column')}",
        )
