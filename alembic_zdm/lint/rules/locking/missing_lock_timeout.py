"""ZDM123 missing-lock-timeout: DDL that takes a table lock with no lock timeout in effect.

## What it does
Flags the first lock-taking statement of each phase function (or of a `--sql`
script) on an existing table — `ALTER TABLE`, a non-concurrent `CREATE INDEX`,
`DROP INDEX`, `DROP TABLE`, renames, constraints — when no
`SET [LOCAL] lock_timeout` (MySQL: `SET [SESSION] lock_wait_timeout`) ran before
it in the same function. The plugin's own operations set the timeout themselves
and never trigger this rule; neither do `CONCURRENTLY` builds, which by design
wait without blocking others.

The phase functions of a phased revision (`expand()` … `undo_contract()`) are
exempt: the phase runner opens every phase transaction with the DDL lock timeout
(`lock_timeout_ms`) and retries the step when it expires. Plain `upgrade()` /
`downgrade()` revisions run through Alembic's own path and are checked, unless a
lock timeout is in force for every migration: the linter reads the project's
`env.py` (never imports it) and stays silent when it sets `lock_timeout` — a
`SET lock_timeout …` passed to `execute`, `connect_args={"options": "-c
lock_timeout=…"}`, or `SET LOCAL` in a `begin` event listener — or when
alembic-zdm guards plain revisions for the project. The finding names the
`env.py` where the setting was expected.

**Databases:** PostgreSQL, MySQL, MariaDB.

## Why is this bad?
A DDL statement that waits for its lock (behind a long transaction or a slow
query) makes every later query on the table queue **behind it**: a two-second
report blocks the ALTER, and the ALTER blocks all traffic. A short lock timeout
makes the DDL give up (and retry) instead of taking the application down.

## Example
```python
def upgrade() -> None:
    op.add_column("users", sa.Column("nickname", sa.Text()))
```

## Use instead
```python
def upgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '500ms'")
    op.add_column("users", sa.Column("nickname", sa.Text()))
```
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import CONCURRENTLY, LOCKING_KINDS, Action, Kind, Revision, Severity
from ...registry import Hit, rule
from ...target import Target

_TIMEOUTS = {
    "postgresql": ("lock_timeout",),
    "mysql": ("lock_wait_timeout",),
    "mariadb": ("lock_wait_timeout",),
}


def _locks(action: Action) -> bool:
    if action.kind not in LOCKING_KINDS or action.new_table or action.safe:
        return False
    if action.kind in (Kind.PATTERN, Kind.DUAL_WRITE, Kind.ALTER_ENUM):
        return False
    if action.kind is Kind.OTHER_DDL and not action.table:
        return False
    return not action.has(CONCURRENTLY)


@rule(
    "ZDM123",
    "missing-lock-timeout",
    severity=Severity.WARNING,
    dialects=frozenset({"postgresql", "mysql", "mariadb"}),
)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    if rev.phased and not rev.sql_mode:
        return  # the phase runner sets the lock timeout of every phase transaction
    if rev.project.lock_timeout_in_effect is not None and not rev.sql_mode:
        return  # env.py (or the plugin's guard) sets it for every migration
    settings = _TIMEOUTS[target.dialect]
    covered: set[str | None] = set()
    reported: set[str | None] = set()
    for action in rev.actions:
        if action.kind is Kind.SET_TIMEOUT and action.name in settings:
            covered.add(action.phase)
            continue
        if action.phase in covered or action.phase in reported or not _locks(action):
            continue
        reported.add(action.phase)
        if target.is_postgresql:
            code = "op.execute(\"SET LOCAL lock_timeout = '500ms'\")"
        else:
            code = 'op.execute("SET SESSION lock_wait_timeout = 5")'
        env = (
            f"; or set it for every migration in {rev.project.env_py}" if rev.project.env_py else ""
        )
        yield Hit.at(
            action,
            f"{action.origin} locks {advice.rel(action)} with no lock timeout {action.where}: if it has "
            "to wait, every query on the table queues behind it",
            f"{code}  # first statement {action.where}{env}",
        )
