"""ZDM108 check-constraint-validated-under-lock: CHECK constraint added without NOT VALID.

## What it does
Flags `op.create_check_constraint(...)` and `ADD CONSTRAINT … CHECK (…)` in raw SQL
on an existing table, unless the constraint is added `NOT VALID`
(`postgresql_not_valid=True`). On MySQL, where there is no NOT VALID, every CHECK
added to an existing table is flagged.

**Databases:** PostgreSQL (all versions); MySQL 8.0.16+ / MariaDB, which have no
safe path.

## Why is this bad?
Adding a CHECK constraint scans the whole table to validate existing rows while
holding an ACCESS EXCLUSIVE lock (PostgreSQL) or copying the table (MySQL). With
`NOT VALID` the constraint is added instantly and enforced for new rows; a later
`VALIDATE CONSTRAINT`, in its own transaction, checks old rows under a lock that
lets reads and writes continue.

## Example
```python
def upgrade() -> None:
    op.create_check_constraint("ck_orders_total", "orders", "total >= 0")
```

## Use instead
```python
def upgrade() -> None:
    op.add_check_constraint_safe("ck_orders_total", "orders", "total >= 0")
```
It adds the constraint `NOT VALID` in expand and validates it in migrate.
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import NOT_VALID, Kind, Revision, Severity
from ...registry import Hit, rule
from ...target import Target


@rule(
    "ZDM108",
    "check-constraint-validated-under-lock",
    severity=Severity.ERROR,
    dialects=frozenset({"postgresql", "mysql", "mariadb"}),
)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for action in rev.actions:
        if action.kind is not Kind.ADD_CONSTRAINT or action.constraint != "check":
            continue
        if action.new_table or action.safe or (target.is_postgresql and action.has(NOT_VALID)):
            continue
        condition = action.options.get("condition") or action.condition
        code = (
            f"op.add_check_constraint_safe({action.arg('name')}, {action.arg('table')}, "
            f"{advice.q(condition)}{action.schema_kw})"
        )
        why = (
            "scans every row under an ACCESS EXCLUSIVE lock"
            if target.is_postgresql
            else "copies the table"
        )
        yield Hit.at(
            action,
            f"{action.origin} on {advice.rel(action)} {why} to validate existing rows",
            code,
        )
