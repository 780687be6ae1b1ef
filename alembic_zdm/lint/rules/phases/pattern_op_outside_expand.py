"""ZDM002 pattern-op-outside-expand: a multi-phase pattern operation in a plain upgrade().

## What it does
Flags the multi-phase pattern operations — `op.safe_rename_column`,
`op.add_required_column`, `op.safe_change_column_type`, `op.split_column`,
`op.merge_columns` — when they sit in a plain `upgrade()`, or in a phase other
than `expand()` of a phased revision.

## Why is this bad?
A pattern operation is made of an expand, a migrate and a contract step. Written in
`expand()`, the plugin runs each step in its own phase, around the deploy. In a
plain `upgrade()` there is only one phase, so all the steps run at once: the old
column disappears (or becomes NOT NULL) while the old application still uses it.

## Example
```python
def upgrade() -> None:
    op.safe_rename_column("users", "name", "full_name")
```

## Use instead
```python
def expand() -> None:
    op.safe_rename_column("users", "name", "full_name")


def undo_expand() -> None:
    pass  # the plugin undoes the pattern's steps itself
```
or let `alembic-zdm generate rename-column --table users --column name` write it.
"""

from __future__ import annotations

from collections.abc import Iterator

from ...model import Kind, Revision, Severity
from ...registry import Hit, rule
from ...target import Target


@rule("ZDM002", "pattern-op-outside-expand", severity=Severity.ERROR, undo=False)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for action in rev.actions:
        if action.kind is not Kind.PATTERN or action.phase in (
            "expand",
            "downgrade",
            "undo_expand",
        ):
            continue
        code = f"op.{action.zdm_op}(...)"
        if action.phase == "upgrade" and not rev.phased:
            yield Hit.at(
                action,
                f"{action.origin} in a plain upgrade() runs its expand, migrate and contract steps "
                "at once: the old application breaks before the new one is deployed",
                f"write a phased revision: def expand() -> None: {code}",
            )
        else:
            yield Hit.at(
                action,
                f"{action.origin} {action.where}: pattern operations are written once, in "
                "expand(); the plugin runs their later steps in migrate() and contract()",
                f"in expand(): {code}",
            )
