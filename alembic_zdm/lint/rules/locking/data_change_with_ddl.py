"""ZDM128 data-change-with-ddl: an unbatched UPDATE/DELETE in the same transaction as DDL.

## What it does
Flags `UPDATE`, `DELETE` and `INSERT … SELECT` (raw SQL or SQLAlchemy Core) that
run in the same transaction — the same phase function, outside
`autocommit_block()`, with no `COMMIT` in between — *after* a schema change that
locks an existing table. A data change that runs before the first such change holds
no schema lock while it works and is not flagged; nor are batches in a loop that
commits (`conn.commit()` / `op.get_bind().commit()`) as it goes. `op.backfill`
commits each batch on its own and is never flagged.

**Databases:** PostgreSQL and SQLite, whose DDL is transactional. MySQL and MariaDB
commit after every DDL statement, so the lock is not held across the update.

## Why is this bad?
The lock taken by the DDL is held until the transaction commits, and the
transaction lasts as long as the data change: updating a million rows keeps the
table locked (and the application waiting) for the whole time. One big UPDATE
also bloats the table and its WAL, and rolls back entirely on any failure.

## Example
```python
def upgrade() -> None:
    op.add_column("users", sa.Column("status", sa.Text()))
    op.execute("UPDATE users SET status = 'active'")
```

## Use instead
```python
def expand() -> None:
    op.add_column("users", sa.Column("status", sa.Text()))


def migrate() -> None:
    op.backfill("users", set={"status": "'active'"}, batch_size=1000)
```
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import IN_LOOP, LOCKING_KINDS, Action, Kind, Revision, Severity
from ...registry import Hit, rule
from ...target import Target


def _ddl(action: Action) -> bool:
    return (
        action.kind in LOCKING_KINDS
        and not action.new_table
        and not action.safe
        and not action.autocommit
    )


@rule(
    "ZDM128",
    "data-change-with-ddl",
    severity=Severity.ERROR,
    dialects=frozenset({"postgresql", "sqlite"}),
)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    ddl: dict[str | None, Action] = {}
    commits_in_loop = {
        a.phase
        for a in rev.actions
        if a.kind is Kind.TRANSACTION and a.name == "commit" and a.has(IN_LOOP)
    }
    for action in rev.actions:
        if action.autocommit or (
            action.kind is Kind.TRANSACTION and action.name in ("begin", "commit")
        ):
            ddl.pop(action.phase, None)  # the lock taken so far is released
            continue
        if _ddl(action) and action.kind not in (Kind.PATTERN, Kind.DUAL_WRITE):
            ddl.setdefault(action.phase, action)
            continue
        if action.kind is not Kind.DATA_CHANGE or action.safe:
            continue
        if action.has(IN_LOOP) and action.phase in commits_in_loop:
            continue  # batches committed one by one (conn.commit() in the loop)
        other = ddl.get(action.phase)
        if other is None:
            continue
        yield Hit.at(
            action,
            f"{action.origin} runs in the same transaction as {other.origin} on {advice.rel(other)} "
            f"(line {other.line}): the table stays locked until every row is changed",
            f"in migrate(): {advice.backfill(action)}",
        )
