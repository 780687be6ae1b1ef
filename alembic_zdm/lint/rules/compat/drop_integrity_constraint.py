"""ZDM208 drop-integrity-constraint: dropping a FOREIGN KEY, CHECK or PRIMARY KEY constraint.

## What it does
Flags `op.drop_constraint(..., type_="foreignkey" | "check" | "primary")` (also on
`batch_op`) and MySQL's `ALTER TABLE … DROP PRIMARY KEY` / `DROP FOREIGN KEY` / `DROP
CHECK` in the forward functions of a revision. It stays silent for a constraint
added earlier in the same revision (a temporary helper such as the
`CHECK (col IS NOT NULL)` of the NOT NULL pattern), and in `downgrade()`/`undo_*()`.
A PostgreSQL `DROP CONSTRAINT name` does not say which kind it is and is not flagged.

**Databases:** all.

## Why is this bad?
The database stops guarding the data: rows that break the rule can be written from
the moment of the drop — orphans without a parent, values the check forbade,
duplicate keys — and they are found long after, when putting the constraint back
fails. Often the drop is intended (a constraint moving to another column, a table
being split), but it deserves a second look in review.

## Example
```python
def upgrade() -> None:
    op.drop_constraint("fk_orders_user_id", "orders", type_="foreignkey")
```

## Use instead
```python
def upgrade() -> None:
    op.drop_constraint("fk_orders_user_id", "orders", type_="foreignkey")  # zdm: ignore[ZDM208] orders move to accounts
```
Confirm the intent with a reasoned suppression; if a replacement constraint is
meant, add it (`NOT VALID`, then `VALIDATE`) before dropping the old one.
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import Kind, Revision, Severity
from ...registry import Hit, rule
from ...target import Target

_KINDS = {"foreign_key": "FOREIGN KEY", "check": "CHECK", "primary_key": "PRIMARY KEY"}


@rule("ZDM208", "drop-integrity-constraint", severity=Severity.WARNING)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    added: set[str] = set()
    for action in rev.forward():
        if action.kind is Kind.ADD_CONSTRAINT and action.name:
            added.add(action.name)
            continue
        if action.kind is not Kind.DROP_CONSTRAINT or action.new_table or action.name in added:
            continue
        label = _KINDS.get(action.constraint or "")
        if label is None:
            continue
        name = f" {advice.q(action.name)}" if action.name else ""
        yield Hit.at(
            action,
            f"{action.origin} removes {label} constraint{name} of {advice.q(action.table)}: "
            "from now on the database accepts rows that break it",
            "if intended, say why: # zdm: ignore[ZDM208] <reason>; if it is being replaced, "
            "add the new constraint (NOT VALID, then VALIDATE) first",
        )
