"""ZDM004 missing-undo: a phase without its undo step, or an empty downgrade().

## What it does
Flags a phased revision whose `expand()`, `migrate()` or `contract()` changes the
schema but has no matching `undo_expand()`, `undo_migrate()` or `undo_contract()`
(a step that only moves data, such as a backfill, needs none), and an undo step
(or a plain revision's `downgrade()`) that is empty while the forward step changes
the schema.

**Default:** on for phased revisions, whose undo steps `alembic-zdm rollback` runs.
For a plain revision an empty `downgrade()` (`pass`) is a common, deliberate
forward-only style rather than a downtime hazard, so that part is off unless the
rule is named in `select` (`select = ["ALL", "ZDM004"]`, or `--select ZDM004`).

A step whose body raises (for example `raise NotImplementedError("irreversible:
the dropped data is gone")`) is an explicit statement that the revision cannot be
undone, and is accepted. Undo steps may be empty when the forward step only uses
the plugin's operations, which undo themselves.

## Why is this bad?
`alembic downgrade` and `alembic-zdm rollback` undo completed phases in reverse
order. A missing or silently empty undo step makes a rollback report success while
the schema keeps the change — the next upgrade then fails on objects that already
exist, usually during an incident.

## Example
```python
def upgrade() -> None:
    op.add_column("users", sa.Column("nickname", sa.Text()))


def downgrade() -> None:
    pass
```

## Use instead
```python
def downgrade() -> None:
    op.drop_column("users", "nickname")
```
or `raise NotImplementedError("irreversible: ...")` to say so explicitly.
"""

from __future__ import annotations

from collections.abc import Iterator

from ...extract.ops import SELF_UNDOING_OPS
from ...model import PHASE_FUNCTIONS, SCHEMA_KINDS, FunctionInfo, Kind, Revision, Severity
from ...registry import Hit, rule
from ...target import Target


def _needs_undo(fn: FunctionInfo) -> bool:
    """The step changes the schema in a way that the phase runner does not undo by itself."""
    return any(
        a.kind in SCHEMA_KINDS
        and a.kind is not Kind.VALIDATE_CONSTRAINT
        and a.zdm_op not in SELF_UNDOING_OPS
        for a in fn.actions
    )


def _empty(fn: FunctionInfo | None) -> bool:
    return fn is None or (fn.trivial and not fn.raises)


@rule("ZDM004", "missing-undo", severity=Severity.WARNING)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    if rev.sql_mode:
        return
    pairs = (
        [(p, f"undo_{p}") for p in PHASE_FUNCTIONS] if rev.phased else [("upgrade", "downgrade")]
    )
    for forward_name, undo_name in pairs:
        forward = rev.functions.get(forward_name)
        if forward is None or forward.trivial:
            continue
        undo = rev.functions.get(undo_name)
        if undo is None and rev.phased and _needs_undo(forward):
            yield Hit(
                forward.line,
                forward.col,
                f"{forward_name}() has no {undo_name}(); a rollback of this phase cannot run",
                f'def {undo_name}() -> None: ...  # reverse {forward_name}(), or raise NotImplementedError("irreversible: <why>")',
                (forward.line, forward.line),
            )
        elif _empty(undo) and _needs_undo(forward):
            where = undo or forward
            yield Hit(
                where.line,
                where.col,
                f"{undo_name}() is {'missing' if undo is None else 'empty'} while {forward_name}() changes the schema; "
                "a rollback would report success and leave the change in place",
                f'write the inverse in {undo_name}(), or raise NotImplementedError("irreversible: <why>")',
                (where.line, where.line),
                opt_in=not rev.phased,
            )
