"""ZDM001 destructive-change-before-contract: a destructive or restricting change in expand() or migrate().

## What it does
Flags, in the `expand()` or `migrate()` step of a phased revision, changes that
remove or restrict something the running application uses: dropping a column,
table, constraint or index, `SET NOT NULL`, and renaming a column or table.

`op.safe_drop_column` and `op.safe_drop_table` may be written in `expand()`: their
expand step only relaxes the column (DROP NOT NULL, keep a server default) and the
plugin carries the real drop to `contract()`. They are still flagged in `migrate()`.

## Why is this bad?
`expand()` and `migrate()` run **before** the new application version is deployed,
while the old code is still serving traffic. The old code still reads and writes
what is being dropped or renamed, and still inserts rows that a new NOT NULL
rejects, so requests fail until the deploy finishes.

## Example
```python
def expand() -> None:
    op.drop_column("users", "legacy_flag")
```

## Use instead
```python
def contract() -> None:
    op.safe_drop_column("users", "legacy_flag")
```
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import Action, Kind, Revision, Severity
from ...registry import Hit, rule
from ...target import Target

_DESTRUCTIVE = {
    Kind.DROP_COLUMN: "dropping a column",
    Kind.DROP_TABLE: "dropping a table",
    Kind.DROP_CONSTRAINT: "dropping a constraint",
    Kind.DROP_INDEX: "dropping an index",
    Kind.SET_NOT_NULL: "SET NOT NULL",
    Kind.RENAME_COLUMN: "renaming a column",
    Kind.RENAME_TABLE: "renaming a table",
}
_SAFE_IN_EXPAND = ("safe_drop_column", "safe_drop_table")


def contract_code(action: Action) -> str:
    """The safe operation for *action*, as it should be written in ``contract()``."""
    kind = action.kind
    if kind is Kind.DROP_COLUMN:
        return advice.call("safe_drop_column", action, "table", "column")
    if kind is Kind.DROP_TABLE:
        return advice.call("safe_drop_table", action, "table")
    if kind is Kind.DROP_INDEX:
        return advice.drop_index_concurrently(action)
    if kind is Kind.SET_NOT_NULL:
        return advice.call("set_not_null_safe", action, "table", "column")
    if kind is Kind.RENAME_COLUMN:
        return advice.call("safe_rename_column", action, "table", "column", "name")
    if kind is Kind.RENAME_TABLE:
        return advice.call("rename_table", action, "table", "name")
    return advice.call("drop_constraint", action, "name", "table")


@rule("ZDM001", "destructive-change-before-contract", severity=Severity.ERROR, undo=False)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    if not rev.phased:
        return
    for action in rev.actions:
        what = _DESTRUCTIVE.get(action.kind)
        if what is None or action.phase not in ("expand", "migrate") or action.new_table:
            continue
        if action.zdm_op in _SAFE_IN_EXPAND and action.phase == "expand":
            continue
        if action.kind is Kind.RENAME_COLUMN and action.zdm_op:
            continue
        yield Hit.at(
            action,
            f"{action.origin} is {what} {action.where}: the old application, still running "
            "until the deploy, breaks; it belongs in contract()",
            f"in contract(): {contract_code(action)}",
        )
