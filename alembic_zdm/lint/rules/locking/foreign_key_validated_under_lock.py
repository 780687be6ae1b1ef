"""ZDM109 foreign-key-validated-under-lock: FOREIGN KEY added without NOT VALID.

## What it does
Flags `op.create_foreign_key(...)`, `sa.ForeignKey(...)` on an added column, and
`ADD CONSTRAINT … FOREIGN KEY` / `REFERENCES` in raw SQL on an existing table,
unless added `NOT VALID` (`postgresql_not_valid=True`).

**Databases:** PostgreSQL, all versions; MySQL / MariaDB, where adding a foreign
key blocks writes.

## Why is this bad?
Validating a new foreign key scans the whole referencing table while holding a
SHARE ROW EXCLUSIVE lock on **both** tables: writes to both wait. With `NOT VALID`
the constraint is added instantly and a later `VALIDATE CONSTRAINT` checks old rows
without blocking writes. On MySQL, only `foreign_key_checks=0` avoids the wait, and
only when the data is known to be good.

## Example
```python
def upgrade() -> None:
    op.create_foreign_key("fk_orders_user_id", "orders", "users", ["user_id"], ["id"])
```

## Use instead
```python
def upgrade() -> None:
    op.add_foreign_key_safe("fk_orders_user_id", "orders", "users", ["user_id"], ["id"])
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
    "ZDM109",
    "foreign-key-validated-under-lock",
    severity=Severity.ERROR,
    dialects=frozenset({"postgresql", "mysql", "mariadb"}),
)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for action in rev.actions:
        if action.kind is not Kind.ADD_CONSTRAINT or action.constraint != "foreign_key":
            continue
        if action.new_table or action.safe or (target.is_postgresql and action.has(NOT_VALID)):
            continue
        ref = action.options.get("references", "")
        ref_schema = action.options.get("referent_schema")
        if action.options.get("remote") is None and ref.count(".") >= 1:
            # sa.ForeignKey("schema.table.column") / ("table.column")
            *path, ref_col = ref.split(".")
            ref_table = path[-1]
            ref_schema = path[0] if len(path) > 1 else ref_schema
        else:
            ref_table, ref_col = ref, ""
        remote = action.options.get("remote") or (f'["{ref_col}"]' if ref_col else '["id"]')
        referent_kw = f", referent_schema={advice.q(ref_schema)}" if ref_schema else ""
        code = (
            f"op.add_foreign_key_safe({action.arg('name')}, {action.arg('table')}, "
            f"{advice.q(ref_table or None)}, {action.arg('columns')}, {remote}"
            f"{advice.schema_kw(action, 'add_foreign_key_safe')}{referent_kw})"
        )
        referent = f"{ref_schema}.{ref_table}" if ref_schema and ref_table else ref_table or None
        yield Hit.at(
            action,
            f"{action.origin} on {advice.rel(action)} validates every row while writes to both "
            f"{advice.rel(action)} and {advice.q(referent)} are blocked",
            code,
        )
