"""ZDM121 create-trigger-lock: CREATE TRIGGER on an existing table without a lock timeout.

## What it does
Flags `CREATE [OR REPLACE] TRIGGER … ON <table>` in raw SQL on a table that existed
before the revision, unless `lock_timeout` was set earlier in the same function (or
script), or is in force for every migration (set in `env.py`, or the plugin guards
plain revisions — the same project settings ZDM123 reads), or the revision is phased
(the runner sets it). The plugin's own `op.enable_dual_write` sets its own timeout
and is never flagged.

**Databases:** PostgreSQL, all versions.

## Why is this bad?
`CREATE TRIGGER` takes a SHARE ROW EXCLUSIVE lock on the table. The statement itself
is quick, but on a busy table it must first wait for every running transaction on
the table to finish, and while it waits every new write (and, behind them, reads)
queues behind it: a short DDL statement becomes an outage as long as the longest
running query.

## Example
```python
def upgrade() -> None:
    op.execute(
        "CREATE TRIGGER trg_orders_audit AFTER UPDATE ON orders "
        "FOR EACH ROW EXECUTE FUNCTION audit_row()"
    )
```

## Use instead
```python
def upgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '500ms'")
    op.execute(
        "CREATE TRIGGER trg_orders_audit AFTER UPDATE ON orders "
        "FOR EACH ROW EXECUTE FUNCTION audit_row()"
    )
```
Keep the trigger in its own short transaction (its own revision) and retry the
migration when the timeout fires.
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import Kind, Revision, Severity
from ...registry import POSTGRESQL, Hit, rule
from ...target import Target


@rule("ZDM121", "create-trigger-lock", severity=Severity.WARNING, dialects=POSTGRESQL)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    if not rev.sql_mode and (rev.phased or rev.project.lock_timeout_in_effect is not None):
        return  # the runner, env.py or the plugin's guard bounds the wait of every migration
    covered: set[str | None] = set()
    for action in rev.actions:
        if action.kind is Kind.SET_TIMEOUT and action.name == "lock_timeout":
            covered.add(action.phase)
            continue
        if (
            action.kind is not Kind.OTHER_DDL
            or action.options.get("statement") != "create_trigger"
            or action.new_table
            or action.phase in covered
        ):
            continue
        yield Hit.at(
            action,
            f"CREATE TRIGGER {advice.q(action.options.get('trigger'))} locks {advice.rel(action)} "
            "in SHARE ROW EXCLUSIVE mode: while it waits for running transactions, every write queues behind it",
            f"op.execute(\"SET LOCAL lock_timeout = '500ms'\")  # before the trigger {action.where}, "
            "in its own transaction; retry on timeout",
        )
