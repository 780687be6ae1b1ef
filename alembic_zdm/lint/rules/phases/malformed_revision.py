"""ZDM005 malformed-revision: a revision file that cannot be parsed, or whose phase functions have the wrong shape.

## What it does
Reports files the linter cannot read: Python syntax errors (and expressions
nested too deeply for Python's own parser), phase functions that are async, take
required arguments or are not functions at all, `undo_expand()` without
`expand()`, revision files that define neither `upgrade()` nor
`expand()`/`migrate()`/`contract()`, and a failure of the linter itself on the
file (the reason is named; the other files are still linted). SQL text the
target's parser rejects is not this rule: it is ZDM903, at severity info.

When this rule reports anything, `alembic-zdm lint` exits with code 2.

## Why is this bad?
Alembic (and the phase runner) would fail on this file at deploy time; the linter
cannot check what it cannot read, so the other rules are silent about it.

## Example
```python
def expand(connection) -> None:
    op.execute("ALTER TABLE users ADD COLUMN nickname text")
```

## Use instead
```python
def expand() -> None:
    op.execute("ALTER TABLE users ADD COLUMN nickname text")
```
"""

from __future__ import annotations

from collections.abc import Iterator

from ...model import Revision, Severity
from ...registry import Hit, rule
from ...target import Target


@rule("ZDM005", "malformed-revision", severity=Severity.ERROR)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for problem in rev.problems:
        yield Hit(problem.line, problem.col, problem.message, "", problem.span)
