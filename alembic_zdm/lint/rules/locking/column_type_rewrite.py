"""ZDM114 column-type-rewrite: a column type change that rewrites the table.

## What it does
Flags `op.alter_column(..., type_=…)` and `ALTER COLUMN … TYPE` / `MODIFY COLUMN`
in raw SQL unless the change is known to be metadata-only:

* PostgreSQL: `varchar(n)` → `varchar(m ≥ n)`, `varchar` → `text`, `numeric(p, s)` →
  `numeric(q ≥ p, s)` or unconstrained `numeric`, `cidr` → `inet`,
  `timestamp` ↔ `timestamptz` (12+, safe when the session time zone is UTC),
  higher precision of `time`/`timestamp`/`interval`, `citext` ↔ `text`;
* MySQL / MariaDB: `varchar` growth that keeps the same length-byte count
  (up to 63 or from 64 characters in utf8mb4). ENUM/SET changes are ZDM131's.

Without `existing_type=` the old type is unknown and the change is flagged; pass it
so the linter can tell a safe widening from a rewrite.

**Databases:** PostgreSQL, MySQL, MariaDB.

## Why is this bad?
A rewriting type change copies the table (and rebuilds its indexes) under an ACCESS
EXCLUSIVE lock (MySQL: `ALGORITHM=COPY`), blocking reads and writes for as long as
the copy takes. The old application may also fail on values of the new type.

## Example
```python
def upgrade() -> None:
    op.alter_column("orders", "amount", type_=sa.BigInteger(), existing_type=sa.Integer())
```

## Use instead
```python
def expand() -> None:
    op.safe_change_column_type("orders", "amount", sa.BigInteger())
```
It adds a shadow column kept in sync by a trigger, backfills it in batches, and
swaps the columns in contract.
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import Kind, Revision, Severity, TypeSpec
from ...registry import Hit, rule
from ...target import Target

_WIDENABLE = ("time", "timetz", "timestamp", "timestamptz", "interval")


def safe_on_postgresql(old: TypeSpec, new: TypeSpec, target: Target) -> bool:
    """Whether PostgreSQL changes *old* to *new* without rewriting the table."""
    if old.name == new.name and old.args == new.args:
        return True
    if old.name == "varchar" and new.name == "text":
        return True
    if old.name == new.name == "varchar":
        return not new.args or (bool(old.args) and _int(new.args[0]) >= _int(old.args[0]))
    if old.name == new.name == "numeric":
        if not new.args:
            return True
        return (
            len(old.args) == len(new.args)
            and old.args[1:] == new.args[1:]
            and _int(new.args[0]) >= _int(old.args[0])
        )
    if (old.name, new.name) in (("cidr", "inet"), ("citext", "text"), ("text", "citext")):
        return True
    if {old.name, new.name} == {"timestamp", "timestamptz"} and old.args == new.args:
        return target.at_least(12)
    if old.name == new.name and old.name in _WIDENABLE:
        return not new.args or (bool(old.args) and _int(new.args[0]) >= _int(old.args[0]))
    return False


def safe_on_mysql(old: TypeSpec, new: TypeSpec) -> bool:
    """Whether MySQL changes *old* to *new* in place (same varchar length bytes)."""
    if old.name == new.name and old.args == new.args:
        return True
    if old.name == new.name == "varchar" and old.args and new.args:
        before, after = _int(old.args[0]), _int(new.args[0])
        return after >= before and (after <= 63) == (before <= 63)
    return False


def _int(value: int | str) -> int:
    return value if isinstance(value, int) else 0


@rule(
    "ZDM114",
    "column-type-rewrite",
    severity=Severity.ERROR,
    dialects=frozenset({"postgresql", "mysql", "mariadb"}),
)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for action in rev.actions:
        if action.kind is not Kind.ALTER_TYPE or action.new_table or action.safe:
            continue
        old, new = action.old_type, action.new_type
        if target.is_mysql and any(t is not None and t.name in ("enum", "set") for t in (old, new)):
            continue
        if old is not None and new is not None:
            safe = (
                safe_on_postgresql(old, new, target)
                if target.is_postgresql
                else safe_on_mysql(old, new)
            )
            if safe:
                continue
            change = f"from {old.render()} to {new.render()}"
        else:
            change = f"to {new.render() if new else 'a new type'} (old type unknown: pass existing_type=)"
        yield Hit.at(
            action,
            f"{action.origin} changes {advice.q(action.relation)}.{advice.q(action.column)} {change}, "
            "which rewrites the table under an exclusive lock",
            f"op.safe_change_column_type({action.arg('table')}, {action.arg('column')}, {advice.sa_type(new)}"
            f"{action.schema_kw})",
        )
