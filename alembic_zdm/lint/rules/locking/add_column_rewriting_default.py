"""ZDM112 add-column-rewriting-default: ADD COLUMN with a default that rewrites the table.

## What it does
Flags an added column whose server default forces a table rewrite:

* PostgreSQL before 11: any default;
* PostgreSQL 11+: a volatile default — `random()`, `gen_random_uuid()`,
  `uuid_generate_v4()`, `clock_timestamp()`, `nextval(…)` … (`now()` and constants
  are fine: they are evaluated once);
* MySQL / MariaDB: an expression default (`DEFAULT (uuid())`), which cannot be
  added INSTANT.

**Databases:** PostgreSQL, MySQL, MariaDB (version-gated as above).

## Why is this bad?
A rewrite copies every row of the table while holding an ACCESS EXCLUSIVE lock:
nothing can read or write the table until it finishes.

## Example
```python
def upgrade() -> None:
    op.add_column("users", sa.Column("token", sa.Uuid(), server_default=sa.text("gen_random_uuid()")))
```

## Use instead
```python
def expand() -> None:
    op.add_column("users", sa.Column("token", sa.Uuid()))
    op.alter_column("users", "token", server_default=sa.text("gen_random_uuid()"))  # new rows only


def migrate() -> None:
    op.backfill("users", set={"token": "gen_random_uuid()"}, where="token IS NULL")
```
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import Kind, Revision, Severity
from ...registry import Hit, rule
from ...target import Target


@rule(
    "ZDM112",
    "add-column-rewriting-default",
    severity=Severity.ERROR,
    dialects=frozenset({"postgresql", "mysql", "mariadb"}),
)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for action in rev.actions:
        col = action.coldef
        if (
            action.kind is not Kind.ADD_COLUMN
            or col is None
            or col.server_default is None
            or action.new_table
        ):
            continue
        default = col.server_default
        if target.is_postgresql:
            rewrites = target.below(11) or default.volatile
        else:
            rewrites = default.expression
        if not rewrites:
            continue
        expr = default.text
        yield Hit.at(
            action,
            f"{action.origin} adds {advice.q(col.name)} to {advice.rel(action)} with default {expr}, "
            "which rewrites every row under an ACCESS EXCLUSIVE lock",
            f"op.add_column({action.arg('table')}, {advice.column(action)}); then in migrate(): "
            f"op.backfill({action.arg('table')}, set={{{advice.q(col.name)}: {advice.q(expr)}}})",
        )
