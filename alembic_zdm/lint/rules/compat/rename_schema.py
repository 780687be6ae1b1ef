"""ZDM206 rename-schema: ALTER SCHEMA … RENAME TO while the application uses the old name.

## What it does
Flags `ALTER SCHEMA … RENAME TO …` in raw SQL (`op.execute(...)` or a `--sql`
script) in the forward functions of a revision.

**Databases:** PostgreSQL, all versions.

## Why is this bad?
The rename is instant, and that is the problem: during a rolling deploy the old
application still qualifies its tables with the old schema name (`schema=` in the
models, or a `search_path`), and from the moment of the rename every one of its
queries fails with `relation "…" does not exist`. The new code cannot run before the
rename either, so there is no deploy order that works.

## Example
```python
def upgrade() -> None:
    op.execute("ALTER SCHEMA billing RENAME TO invoicing")
```

## Use instead
```python
def expand() -> None:
    op.execute("CREATE SCHEMA invoicing")
```
Then move the tables one by one with expand/contract (new table, dual-write,
backfill), switch the application to the new schema, and drop the old one in
`contract()` once nothing uses it. Or keep the schema name and rename only in the
application.
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import Kind, Revision, Severity
from ...registry import POSTGRESQL, Hit, rule
from ...target import Target


@rule("ZDM206", "rename-schema", severity=Severity.ERROR, dialects=POSTGRESQL)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for action in rev.forward():
        if action.kind is not Kind.OTHER_DDL or action.options.get("statement") != "rename_schema":
            continue
        new = action.options.get("new_name") or "<new_name>"
        yield Hit.at(
            action,
            f"ALTER SCHEMA {advice.q(action.name)} RENAME TO {advice.q(new)}: the running application "
            "still qualifies its tables with the old name, and every such query fails at once",
            f"in expand(): op.execute({advice.q(f'CREATE SCHEMA {new}')}), move the tables with "
            f"expand/contract, then drop {advice.q(action.name)} in contract()",
        )
