"""ZDM208 drop-integrity-constraint: dropping a FOREIGN KEY, CHECK or PRIMARY KEY constraint.

## What it does
Flags `op.drop_constraint(..., type_="foreignkey" | "check" | "primary")` (also on
`batch_op`) and MySQL's `ALTER TABLE … DROP PRIMARY KEY` / `DROP FOREIGN KEY` / `DROP
CHECK` in the forward functions of a revision. A PostgreSQL `DROP CONSTRAINT name`
does not say which kind it is and is not flagged. It stays silent when nothing is
lost:

* the constraint was added earlier in the same revision (a temporary helper such as
  the `CHECK (col IS NOT NULL)` of the NOT NULL pattern);
* it is put back later in the same function — a constraint of the same kind on the
  same table under the same name, or an unnamed one (named by the naming
  convention; a constraint keeps its old name when its column is renamed, so the
  names need not match) — the usual way to change `ON DELETE`, `DEFERRABLE` or the
  referenced column. The new constraint is checked by the rules for adding one
  (ZDM108, ZDM109);
* the table, or a column the constraint's name spells out, is dropped later in the
  same revision (the constraint goes with it; ZDM201/ZDM202 report the drop);
* it sits in `downgrade()`/`undo_*()` (see "Defaults" in the linter guide).

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
from ...model import Action, Kind, Revision, Severity
from ...registry import Hit, rule
from ...target import Target

_KINDS = {"foreign_key": "FOREIGN KEY", "check": "CHECK", "primary_key": "PRIMARY KEY"}


def _restores(drop: Action, later: Action) -> bool:
    """*later* puts back the constraint *drop* removes (same kind, same table)."""
    if later.kind is not Kind.ADD_CONSTRAINT or later.relation != drop.relation:
        return False
    if later.constraint != drop.constraint:
        return False
    # the same name, or an unnamed one (the naming convention names it; a constraint
    # keeps its old name when its column is renamed, so names need not match)
    return later.name is None or later.name == drop.name


def _goes_with(drop: Action, later: Action) -> bool:
    """*later* drops the table, or a column the constraint's name spells out."""
    if later.relation != drop.relation:
        return False
    if later.kind is Kind.DROP_TABLE:
        return True
    return (
        later.kind is Kind.DROP_COLUMN
        and bool(later.column)
        and (later.column or "").lower() in (drop.name or "").lower()
    )


@rule("ZDM208", "drop-integrity-constraint", severity=Severity.WARNING, undo=False)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    forward = rev.forward()
    added: set[str] = set()
    for i, action in enumerate(forward):
        if action.kind is Kind.ADD_CONSTRAINT and action.name:
            added.add(action.name)
            continue
        if action.kind is not Kind.DROP_CONSTRAINT or action.new_table or action.name in added:
            continue
        label = _KINDS.get(action.constraint or "")
        if label is None:
            continue
        after = forward[i + 1 :]
        if any(a.phase == action.phase and _restores(action, a) for a in after):
            continue
        if any(_goes_with(action, a) for a in after):
            continue
        name = f" {advice.q(action.name)}" if action.name else ""
        yield Hit.at(
            action,
            f"{action.origin} removes {label} constraint{name} of {advice.rel(action)}: "
            "from now on the database accepts rows that break it",
            "if intended, say why: # zdm: ignore[ZDM208] <reason>; if it is being replaced, "
            "add the new constraint (NOT VALID, then VALIDATE) first",
        )
