"""ZDM129 unbalanced-transaction: BEGIN without COMMIT, or BEGIN inside a transaction.

## What it does
Flags, in raw SQL, a `BEGIN` / `START TRANSACTION`:

- inside the transaction Alembic already runs the revision in (an `op.execute("BEGIN")`
  outside `autocommit_block()`), or inside an earlier `BEGIN` not yet committed;
- with no `COMMIT` / `ROLLBACK` after it in the same function (or script).

**Databases:** PostgreSQL, all versions.

## Why is this bad?
PostgreSQL does not nest transactions: a second `BEGIN` only prints a warning, and the
next `COMMIT` ends the *outer* transaction — Alembic's, which then commits half a
revision, runs the rest outside any transaction and cannot roll it back on failure.
A `BEGIN` that is never committed leaves the session in an open transaction: its locks
are held until the connection closes, and in a `--sql` script everything after it is
silently rolled back at the end.

## Example
```python
def upgrade() -> None:
    op.execute("BEGIN")
    op.execute("ALTER TABLE users ADD COLUMN nickname text")
    op.execute("COMMIT")
```

## Use instead
```python
def upgrade() -> None:
    op.execute("ALTER TABLE users ADD COLUMN nickname text")
```
Let Alembic manage the transaction. For statements that must run outside one, use
`with op.get_context().autocommit_block():`.
"""

from __future__ import annotations

from collections.abc import Iterator

from ...model import Action, Kind, Revision, Severity
from ...registry import POSTGRESQL, Hit, rule
from ...target import Target

_HELP = (
    "remove the BEGIN/COMMIT and let Alembic manage the transaction; for statements that "
    "cannot run in one: with op.get_context().autocommit_block(): ..."
)


@rule("ZDM129", "unbalanced-transaction", severity=Severity.ERROR, dialects=POSTGRESQL)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    open_begin: dict[str | None, Action] = {}
    for action in rev.actions:
        if action.kind is not Kind.TRANSACTION:
            continue
        if action.name == "commit":
            open_begin.pop(action.phase, None)
            continue
        if action.name != "begin":
            continue
        if action.phase in open_begin:
            yield Hit.at(
                action,
                "BEGIN inside a transaction opened by an earlier BEGIN: PostgreSQL does not nest "
                "transactions, and the next COMMIT ends the outer one",
                _HELP,
            )
        elif not rev.sql_mode and not action.autocommit:
            yield Hit.at(
                action,
                f"BEGIN {action.where} runs inside the transaction Alembic already opened: it is ignored, "
                "and the next COMMIT ends Alembic's transaction halfway through the revision",
                _HELP,
            )
        else:
            open_begin[action.phase] = action
    for action in open_begin.values():
        yield Hit.at(
            action,
            f"BEGIN {action.where} is never committed: the transaction stays open, holding its locks, "
            "and its statements are rolled back when the session ends",
            "add COMMIT after the statements, or drop the BEGIN and let Alembic manage the transaction",
        )
