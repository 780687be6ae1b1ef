"""ZDM110 lock-held-across-statements: a write-blocking lock kept while the transaction goes on.

## What it does
Follows each transaction of a revision (a phase function, or `BEGIN … COMMIT` in a
SQL script; `autocommit_block()` and `COMMIT` end it) and flags three ways a lock
that blocks writers is held for longer than its own statement:

* `LOCK TABLE … IN SHARE MODE` or stronger (`SHARE ROW EXCLUSIVE`, `EXCLUSIVE`,
  `ACCESS EXCLUSIVE`) on an existing table, followed by further statements (a
  `SELECT COUNT(*)`, triggers, updates): the lock lasts until the transaction ends;
* `VALIDATE CONSTRAINT` in a transaction that already holds such a lock (an
  `ALTER TABLE`, a non-concurrent `CREATE INDEX`, a `LOCK TABLE`): the validation scan,
  meant to run without blocking writers, now runs while they are blocked;
* one transaction that takes write-blocking locks on two existing tables: while it
  waits for the second table, every write to the first one waits too (and two such
  migrations, or one and the application, can deadlock). Reported once per
  transaction, at the statement that locks the second table.

Tables created in the same revision, concurrent index builds and the plugin's own
operations (which manage their transactions) take no such lock here.

**Databases:** PostgreSQL (MySQL and MariaDB commit after every DDL statement).

## Why is this bad?
PostgreSQL releases table locks only at the end of the transaction, and Alembic runs
a whole revision in one. A lock taken by a quick statement is therefore held through
everything after it: a scan, a backfill, or a wait for another table that a long
query is using. During that time every write to the locked table — and every read,
for ACCESS EXCLUSIVE — queues.

## Example
```python
def upgrade() -> None:
    op.execute("LOCK TABLE projects IN SHARE ROW EXCLUSIVE MODE")
    op.execute("INSERT INTO row_counts (table_name, count) SELECT 'projects', COUNT(*) FROM projects")
```

## Use instead
Take each strong lock in its own short transaction, and let scans run without one:
```python
def expand() -> None:
    op.execute("SET LOCAL lock_timeout = '500ms'")
    op.execute("CREATE TRIGGER update_row_count AFTER INSERT OR DELETE ON projects "
               "FOR EACH ROW EXECUTE PROCEDURE count_rows()")


def migrate() -> None:
    op.execute("INSERT INTO row_counts (table_name, count) SELECT 'projects', COUNT(*) FROM projects")
```
For constraints, `op.add_foreign_key_safe` / `op.add_check_constraint_safe` add them
`NOT VALID` and validate in a later transaction; for changes on two tables, one
revision (or phase step) per table.
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import CONCURRENTLY, LOCKING_KINDS, Action, Kind, Revision, Severity
from ...registry import POSTGRESQL, Hit, rule
from ...target import Target

_NOT_TABLE_LOCKS = frozenset({Kind.PATTERN, Kind.DUAL_WRITE, Kind.ALTER_ENUM})


def _strong(action: Action) -> bool:
    """The action takes a lock that blocks writers on an existing table."""
    return (
        action.kind in LOCKING_KINDS
        and action.kind not in _NOT_TABLE_LOCKS
        and action.relation is not None
        and not action.new_table
        and not action.safe
        and not action.has(CONCURRENTLY)
    )


def _transactions(rev: Revision) -> Iterator[list[Action]]:
    """The actions of each transaction, in order (autocommit blocks and COMMIT end one)."""
    current: list[Action] = []
    phase: object = object()
    for action in rev.actions:
        ends = action.autocommit or (
            action.kind is Kind.TRANSACTION and action.name in ("begin", "commit")
        )
        if action.phase != phase or ends:
            if current:
                yield current
            current = []
            phase = action.phase
        if not ends:
            current.append(action)
    if current:
        yield current


def _statement(action: Action) -> bool:
    """A further statement that runs under the lock (settings and plugin ops do not count)."""
    return not action.safe and action.kind not in (
        Kind.SET_TIMEOUT,
        Kind.TRANSACTION,
        Kind.LOCK_TABLE,
    )


def _check_transaction(actions: list[Action]) -> Iterator[Hit]:
    held: dict[str, Action] = {}
    lock: Action | None = None
    two_tables = lock_reported = False
    for action in actions:
        if lock is not None and not lock_reported and _statement(action):
            lock_reported = True
            yield Hit.at(
                lock,
                f"LOCK TABLE {advice.rel(lock)} IN {lock.options.get('mode', '')} MODE is held "
                f"until the transaction ends, while {action.origin} (line {action.line}) and the rest "
                f"{lock.where} run: writes to the table wait for all of it",
                "lock only for the statement that needs it: move what follows into its own "
                "transaction (a later revision, or migrate()), or drop the LOCK TABLE",
            )
        if action.kind is Kind.VALIDATE_CONSTRAINT and held:
            first = next(iter(held.values()))
            yield Hit.at(
                action,
                f"{action.origin} scans {advice.rel(action)} while the transaction still holds "
                f"the lock {first.origin} took on {advice.rel(first)} (line {first.line}): "
                "writes wait for the whole validation",
                "validate in its own transaction: in migrate() of a phased revision, or a later "
                "revision; op.add_foreign_key_safe / op.add_check_constraint_safe do both steps",
            )
        if not _strong(action):
            continue
        relation = action.relation or ""
        if held and relation not in held and not two_tables:
            two_tables = True
            first = next(iter(held.values()))
            yield Hit.at(
                action,
                f"{action.origin} locks {advice.rel(action)} while the transaction already holds a "
                f"write-blocking lock on {advice.rel(first)} (line {first.line}) {action.where}: "
                f"if it has to wait, writes to {advice.rel(first)} wait too",
                "one table per transaction: a revision (or phase step) per table, or "
                "transaction_per_migration with one table each",
            )
        held.setdefault(relation, action)
        if action.kind is Kind.LOCK_TABLE and lock is None:
            lock = action


@rule("ZDM110", "lock-held-across-statements", severity=Severity.WARNING, dialects=POSTGRESQL)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for actions in _transactions(rev):
        yield from _check_transaction(actions)
