"""ZDM901 suppression-without-reason: a `# zdm: ignore[...]` comment that gives no reason.

## What it does
Flags suppression comments with nothing after the closing bracket. The comment
still suppresses the finding; this rule makes sure every exception is explained.

## Why is this bad?
A suppression is a decision that a risky change is acceptable here. Without the
reason, the next reader cannot tell a considered exception ("table has 12 rows")
from a silenced alarm.

## Example
```python
op.create_index("ix_flags_name", "flags", ["name"])  # zdm: ignore[ZDM101]
```

## Use instead
```python
op.create_index("ix_flags_name", "flags", ["name"])  # zdm: ignore[ZDM101] flags has 12 rows
```
"""

from __future__ import annotations

from collections.abc import Iterator

from ...model import Revision, Severity
from ...registry import Hit, rule
from ...target import Target


@rule("ZDM901", "suppression-without-reason", severity=Severity.WARNING)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    """Reported by the engine, which reads the comments (see ``lint/suppress.py``)."""
    return iter(())
