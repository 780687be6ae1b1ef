"""ZDM117 domain-check-constraint: a CHECK constraint on a domain (CREATE DOMAIN or ALTER DOMAIN).

## What it does
Flags `CREATE DOMAIN … CHECK (…)` and `ALTER DOMAIN … ADD CONSTRAINT … CHECK (…)` in
raw SQL (`op.execute(...)` or a `--sql` script).

**Databases:** PostgreSQL, all versions.

## Why is this bad?
`ALTER DOMAIN … ADD CONSTRAINT` checks every row of every table with a column of that
domain, holding a lock that blocks writes to each of them — and even with `NOT
VALID`, the later `VALIDATE CONSTRAINT` takes the same write-blocking locks. Creating
a domain with a CHECK is harmless on the day, but it commits the schema to that path:
changing the rule later means exactly such a scan, and every new column of the
domain inherits a constraint no plain table CHECK can replace online.

## Example
```python
def upgrade() -> None:
    op.execute("CREATE DOMAIN email_address AS text CHECK (VALUE ~ '@')")
```

## Use instead
```python
def upgrade() -> None:
    op.add_check_constraint_safe("ck_users_email", "users", "email ~ '@'")
```
Use the base type (`text`) for the column and a table CHECK constraint, added
`NOT VALID` and validated separately — which is what `op.add_check_constraint_safe`
does.
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import Kind, Revision, Severity
from ...registry import POSTGRESQL, Hit, rule
from ...target import Target


@rule("ZDM117", "domain-check-constraint", severity=Severity.WARNING, dialects=POSTGRESQL)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for action in rev.actions:
        statement = action.options.get("statement")
        if action.kind is not Kind.OTHER_DDL or statement not in ("create_domain", "alter_domain"):
            continue
        if statement == "create_domain":
            verb = "CREATE DOMAIN"
            why = "every later change of its rule scans all tables using it under a write-blocking lock"
        else:
            verb = "ALTER DOMAIN … ADD CONSTRAINT"
            why = "it scans every table with a column of this domain, blocking writes to each"
        yield Hit.at(
            action,
            f"{verb} {advice.q(action.name)} with a CHECK: {why}",
            "use the base type and a table constraint: "
            'op.add_check_constraint_safe("ck_<table>_<column>", "<table>", "<condition>")',
        )
