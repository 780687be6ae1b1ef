"""ZDM131 mysql-table-copy-operation: a MySQL change that copies the table or blocks writes.

## What it does
Flags, on an existing table, MySQL/MariaDB operations that cannot run in place
without blocking writes: adding or dropping a PRIMARY KEY, FULLTEXT and SPATIAL
indexes, `CONVERT TO CHARACTER SET`, and ENUM/SET changes other than appending new
values at the end (removing, reordering, inserting in the middle, or crossing the
255-value width boundary). Other type changes are ZDM114's.

**Databases:** MySQL 8.0 / 8.4, MariaDB.

## Why is this bad?
These run with `ALGORITHM=COPY` (or an in-place rebuild that blocks concurrent DML):
the table is copied row by row while writes wait, for minutes to hours on a large
table, and the copy doubles the disk it uses.

## Example
```python
def upgrade() -> None:
    op.alter_column("orders", "status", type_=sa.Enum("new", "paid", name="status"),
                    existing_type=sa.Enum("new", "shipped", "paid", name="status"))
```

## Use instead
```python
def upgrade() -> None:
    op.alter_column("orders", "status", type_=sa.Enum("new", "shipped", "paid", "refunded", name="status"),
                    existing_type=sa.Enum("new", "shipped", "paid", name="status"))
```
(append values at the end), or run the change with gh-ost or pt-online-schema-change.
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import FULLTEXT, SPATIAL, Action, Kind, Revision, Severity
from ...registry import MYSQL, Hit, rule
from ...target import Target

_GH_OST = "run it with gh-ost or pt-online-schema-change"


def _enum_appended(action: Action) -> bool:
    old, new = action.old_type, action.new_type
    if old is None or new is None or old.name != new.name:
        return False
    same_width = (len(old.args) <= 255) == (len(new.args) <= 255)
    return new.args[: len(old.args)] == old.args and same_width


def _problem(action: Action) -> str | None:
    if (
        action.kind in (Kind.ADD_CONSTRAINT, Kind.DROP_CONSTRAINT)
        and action.constraint == "primary_key"
    ):
        return "changes the PRIMARY KEY, which rebuilds the table"
    if action.kind is Kind.CREATE_INDEX and (action.has(FULLTEXT) or action.has(SPATIAL)):
        return "builds a FULLTEXT/SPATIAL index, which blocks writes while it builds"
    if action.kind is Kind.TABLE_OPTION and action.options.get("convert"):
        return "converts the character set, which copies the table"
    if action.kind is Kind.ALTER_TYPE and any(
        t is not None and t.name in ("enum", "set") for t in (action.old_type, action.new_type)
    ):
        if not _enum_appended(action):
            return "changes an ENUM/SET other than by appending values at the end, which copies the table"
    return None


@rule("ZDM131", "mysql-table-copy-operation", severity=Severity.ERROR, dialects=MYSQL)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for action in rev.actions:
        if action.new_table or action.safe:
            continue
        problem = _problem(action)
        if problem is None:
            continue
        help_text = (
            "append the new ENUM values at the end, or " + _GH_OST
            if action.kind is Kind.ALTER_TYPE
            else _GH_OST
        )
        yield Hit.at(action, f"{action.origin} on {advice.rel(action)} {problem}", help_text)
