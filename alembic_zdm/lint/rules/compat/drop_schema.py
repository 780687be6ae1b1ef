"""ZDM203 drop-schema: DROP SCHEMA or DROP DATABASE in a migration.

## What it does
Flags `DROP SCHEMA …` and `DROP DATABASE …` in raw SQL (`op.execute(...)` or a
`--sql` script) in the forward functions (`upgrade()`, `expand()`, `migrate()`,
`contract()`). A `downgrade()` that drops a schema its `upgrade()` created is not
flagged.

**Databases:** all (on MySQL and MariaDB `SCHEMA` and `DATABASE` are synonyms).

## Why is this bad?
It removes every table, view, function and sequence in the schema (with `CASCADE`,
also everything elsewhere that depends on them) in one statement that cannot be
undone without a restore from backup. The running application loses all of it at
once, and a rolled-back deploy has nothing to roll back to.

## Example
```python
def upgrade() -> None:
    op.execute("DROP SCHEMA reporting CASCADE")
```

## Use instead
```python
def contract() -> None:
    op.safe_drop_table("reporting_daily")
```
Drop only what you mean to, table by table, in the contract phase once no code uses
it. If the whole schema really must go, say so explicitly:
`# zdm: ignore[ZDM203] <reason>`.
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import Kind, Revision, Severity
from ...registry import Hit, rule
from ...target import Target

_WHAT = {"drop_schema": "DROP SCHEMA", "drop_database": "DROP DATABASE"}


@rule("ZDM203", "drop-schema", severity=Severity.ERROR)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for action in rev.forward():
        what = _WHAT.get(action.options.get("statement", ""))
        if action.kind is not Kind.OTHER_DDL or what is None:
            continue
        cascade = " CASCADE" if action.options.get("cascade") else ""
        yield Hit.at(
            action,
            f"{what} {advice.q(action.name)}{cascade} removes every object in it at once, "
            "for the running application too, and only a backup brings it back",
            "drop only what you mean to, table by table in contract(): "
            'op.safe_drop_table("<table>"); if it really must go: '
            "# zdm: ignore[ZDM203] <reason>",
        )
