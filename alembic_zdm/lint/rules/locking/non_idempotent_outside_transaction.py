"""ZDM127 non-idempotent-outside-transaction: a statement that cannot be re-run, outside a transaction.

## What it does
Inside `autocommit_block()` (or outside `BEGIN`/`COMMIT` in a `--sql` script)
each statement commits on its own, so a failure half-way leaves the earlier ones
applied and the revision is simply run again. This rule flags statements there that
fail on a second run:

* `CREATE INDEX CONCURRENTLY` written by hand: a failed build leaves an INVALID
  index; without `IF NOT EXISTS` the retry fails, with it the retry silently keeps
  the broken index. It is accepted when a `DROP INDEX … IF EXISTS` of the same index
  precedes it in the same function;
* `DROP INDEX`, `DROP TABLE`, `DROP COLUMN` without `IF EXISTS`;
* `ADD COLUMN`, `CREATE TABLE`, plain `CREATE INDEX` without `IF NOT EXISTS`.

**Databases:** PostgreSQL, all versions.

## Why is this bad?
The retry of a failed deploy fails again, on the statement that already
succeeded — or "succeeds" with an INVALID index that the planner never uses and
that still slows every write.

## Example
```python
def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("CREATE INDEX CONCURRENTLY ix_users_email ON users (email)")
```

## Use instead
```python
def upgrade() -> None:
    op.add_index_concurrently("ix_users_email", "users", ["email"])
```
It finds and drops an INVALID index from an earlier attempt before building again.
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import CONCURRENTLY, IF_EXISTS, IF_NOT_EXISTS, Action, Kind, Revision, Severity
from ...registry import POSTGRESQL, Hit, rule
from ...target import Target

_NEEDS = {
    Kind.DROP_INDEX: IF_EXISTS,
    Kind.DROP_TABLE: IF_EXISTS,
    Kind.DROP_COLUMN: IF_EXISTS,
    Kind.ADD_COLUMN: IF_NOT_EXISTS,
    Kind.CREATE_TABLE: IF_NOT_EXISTS,
    Kind.CREATE_INDEX: IF_NOT_EXISTS,
}


def _dropped_first(rev: Revision, action: Action) -> bool:
    return any(
        a.kind is Kind.DROP_INDEX
        and a.has(IF_EXISTS)
        and a.name == action.name
        and a.phase == action.phase
        for a in rev.actions
        if a.order < action.order
    )


@rule(
    "ZDM127", "non-idempotent-outside-transaction", severity=Severity.WARNING, dialects=POSTGRESQL
)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for action in rev.actions:
        if not action.autocommit or action.safe or action.kind not in _NEEDS:
            continue
        if action.kind is Kind.CREATE_INDEX and action.has(CONCURRENTLY):
            if _dropped_first(rev, action):
                continue
            why = (
                "IF NOT EXISTS would keep an INVALID index left by a failed build"
                if action.has(IF_NOT_EXISTS)
                else "a failed build leaves an INVALID index and the retry fails on it"
            )
            yield Hit.at(
                action,
                f"{action.origin} outside a transaction: {why}",
                advice.add_index_concurrently(action),
            )
            continue
        needed = _NEEDS[action.kind]
        if action.has(needed):
            continue
        clause = needed.upper().replace("_", " ")
        code = (
            advice.drop_index_concurrently(action)
            if action.kind is Kind.DROP_INDEX
            else f"add {clause}"
        )
        yield Hit.at(
            action,
            f"{action.origin} runs outside a transaction without {clause}: if the revision is re-run "
            "after a failure, this statement fails",
            code,
        )
