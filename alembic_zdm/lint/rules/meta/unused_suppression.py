"""ZDM902 unused-suppression: a `# zdm: ignore[...]` comment that suppresses nothing.

## What it does
Flags suppression comments naming a rule that reported nothing on the lines the
comment covers, or naming a rule id that does not exist. Rules turned off by
`select`/`ignore` or silent for the configured target are not reported as unused.

## Why is this bad?
A stale suppression hides the next real finding on that line, and an id with a
typo never suppressed anything in the first place.

## Example
```python
op.add_index_concurrently("ix_users_email", "users", ["email"])  # zdm: ignore[ZDM101] big table
```

## Use instead
```python
op.add_index_concurrently("ix_users_email", "users", ["email"])
```
"""

from __future__ import annotations

from collections.abc import Iterator

from ...model import Revision, Severity
from ...registry import Hit, rule
from ...target import Target


@rule("ZDM902", "unused-suppression", severity=Severity.WARNING)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    """Reported by the engine, which reads the comments (see ``lint/suppress.py``)."""
    return iter(())
