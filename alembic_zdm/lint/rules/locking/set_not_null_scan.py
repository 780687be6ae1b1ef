"""ZDM111 set-not-null-scan: SET NOT NULL on an existing column.

## What it does
Flags `op.alter_column(..., nullable=False)` (also on `batch_op`) and
`ALTER COLUMN … SET NOT NULL` in raw SQL on a table that existed before the
revision. On PostgreSQL 12+ it stays silent when a validated
`CHECK (column IS NOT NULL)` on the same table precedes it in the revision (the
scan is then skipped).

**Databases:** PostgreSQL, all versions.

## Why is this bad?
`SET NOT NULL` scans the whole table to prove there are no NULLs, holding an
ACCESS EXCLUSIVE lock: no reads and no writes for the duration.

## Example
```python
def contract() -> None:
    op.alter_column("users", "email", nullable=False)
```

## Use instead
```python
def contract() -> None:
    op.set_not_null_safe("users", "email")
```
PostgreSQL 12–17: `ADD CONSTRAINT … CHECK (email IS NOT NULL) NOT VALID`, then
`VALIDATE CONSTRAINT` (no write lock), then `SET NOT NULL` (no scan), then drop the
check — which is what `op.set_not_null_safe` does. PostgreSQL 18+: `ADD CONSTRAINT
… NOT NULL email NOT VALID`, then `VALIDATE CONSTRAINT`.
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import NOT_VALID, Action, Kind, Revision, Severity
from ...registry import POSTGRESQL, Hit, rule
from ...target import Target


def _proven_not_null(rev: Revision, upto: Action) -> set[tuple[str | None, str]]:
    """(table, column) pairs with a validated ``CHECK (column IS NOT NULL)`` before *upto*."""
    checks: dict[str | None, tuple[str | None, str, bool]] = {}
    validated: set[str | None] = set()
    for action in rev.forward():
        if action.order >= upto.order:
            break
        cond = action.condition or ""
        if (
            action.kind is Kind.ADD_CONSTRAINT
            and action.constraint == "check"
            and cond.endswith(" is not null")
        ):
            column = cond.removesuffix(" is not null")
            checks[action.name] = (
                action.relation,
                column,
                action.safe or not action.has(NOT_VALID),
            )
        elif action.kind is Kind.VALIDATE_CONSTRAINT:
            validated.add(action.name)
    return {(t, c) for name, (t, c, ok) in checks.items() if ok or name in validated}


@rule("ZDM111", "set-not-null-scan", severity=Severity.ERROR, dialects=POSTGRESQL)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for action in rev.actions:
        if action.kind is not Kind.SET_NOT_NULL or action.new_table or action.safe:
            continue
        if target.at_least(12) and (
            action.relation,
            (action.column or "").lower(),
        ) in _proven_not_null(rev, action):
            continue
        hint = (
            " (PostgreSQL 18: ADD CONSTRAINT … NOT NULL … NOT VALID, then VALIDATE)"
            if target.at_least(18)
            else ""
        )
        yield Hit.at(
            action,
            f"{action.origin} on {advice.rel(action)}.{advice.q(action.column)} scans the whole table "
            f"under an ACCESS EXCLUSIVE lock{hint}",
            advice.call("set_not_null_safe", action, "table", "column"),
        )
