"""ZDM211 enum-change: renaming an enum value, adding one without a position, or a new enum type.

## What it does
Flags, on PostgreSQL: `ALTER TYPE … RENAME VALUE`; `ALTER TYPE … ADD VALUE` without
`BEFORE`/`AFTER`; and new enum types (`CREATE TYPE … AS ENUM`, or a native
`sa.Enum(...)` column in `op.create_table`).

**Default:** only the rename, which breaks the running application. The other two
are design advice rather than downtime hazards (a value added at the end is the usual,
safe way to extend an enum) and are reported when the rule is named in `select`
(`select = ["ALL", "ZDM211"]`).

**Databases:** PostgreSQL.

## Why is this bad?
Renaming a value breaks every running application version that still writes the old
one. A value added without a position lands at the end of the sort order, which
silently changes `ORDER BY` and range comparisons if the order carries meaning. And
every later change of a native enum type needs `ALTER TYPE`, which cannot remove
values at all: a lookup table or a text column with a CHECK constraint is easier to
evolve without downtime.

## Example
```python
def upgrade() -> None:
    op.execute("ALTER TYPE order_status RENAME VALUE 'shipped' TO 'dispatched'")
```

## Use instead
```python
def expand() -> None:
    op.execute("ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'dispatched' AFTER 'shipped'")


def migrate() -> None:
    op.backfill("orders", set={"status": "'dispatched'"}, where="status = 'shipped'")
```
"""

from __future__ import annotations

from collections.abc import Iterator

from ...model import ENUM_ORDERED, ENUM_RENAME_VALUE, Kind, Revision, Severity
from ...registry import POSTGRESQL, Hit, rule
from ...target import Target


@rule("ZDM211", "enum-change", severity=Severity.WARNING, dialects=POSTGRESQL)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for action in rev.forward():
        name = action.name or "<type>"
        value = action.condition or "<value>"
        if action.kind is Kind.ALTER_ENUM and action.has(ENUM_RENAME_VALUE):
            yield Hit.at(
                action,
                f"{action.origin} renames a value of enum {name}: the running application still writes the old value",
                f"op.execute(\"ALTER TYPE {name} ADD VALUE IF NOT EXISTS '{value}' AFTER '<old value>'\"), "
                "then backfill in migrate()",
            )
        elif action.kind is Kind.ALTER_ENUM and not action.has(ENUM_ORDERED):
            yield Hit.at(
                action,
                f"{action.origin} adds {value!r} to enum {name} without BEFORE/AFTER: it sorts last",
                f"op.execute(\"ALTER TYPE {name} ADD VALUE IF NOT EXISTS '{value}' AFTER '<existing value>'\")",
                opt_in=True,
            )
        elif action.kind is Kind.CREATE_ENUM:
            column = action.column or "status"
            yield Hit.at(
                action,
                f"{action.origin} creates a native enum type ({name}); changing it later needs ALTER TYPE, "
                "which cannot remove or rename values safely",
                f'sa.Column({column!r}, sa.Text(), sa.CheckConstraint("{column} IN (...)")) or a lookup table'.replace(
                    "'", '"'
                ),
                opt_in=True,
            )
