"""ZDM304 identifier-too-long: a new identifier longer than 63 bytes.

## What it does
Flags a table, column, index, constraint or type name longer than 63 bytes (UTF-8)
when a revision creates it: `op.create_table`, `op.add_column`, `op.create_index`,
`op.create_*_constraint`, renames (the new name), enum types, and the same
statements in raw SQL.

**Databases:** PostgreSQL, all versions. Severity `info`.

## Why is this bad?
PostgreSQL silently truncates identifiers to 63 bytes (NAMEDATALEN − 1) with only a
NOTICE. The object then exists under a name nobody wrote: the models, the next
migration's `op.drop_index("…")` with the full name, and autogenerate comparisons
all disagree with the database, and two long names sharing their first 63 bytes
collide.

## Example
```python
def upgrade() -> None:
    op.add_index_concurrently(
        "ix_customer_subscription_invoices_billing_period_start_and_status_code",
        "customer_subscription_invoices",
        ["billing_period_start", "status_code"],
    )
```

## Use instead
```python
def upgrade() -> None:
    op.add_index_concurrently(
        "ix_csi_period_status",
        "customer_subscription_invoices",
        ["billing_period_start", "status_code"],
    )
```
Shorten the name (or use a naming convention that hashes long names, as the plugin's
own generated names do).
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import Action, Kind, Revision, Severity
from ...registry import POSTGRESQL, Hit, rule
from ...target import Target

MAX_BYTES = 63
_CREATING = frozenset(
    {
        Kind.CREATE_TABLE,
        Kind.ADD_COLUMN,
        Kind.CREATE_INDEX,
        Kind.ADD_CONSTRAINT,
        Kind.RENAME_TABLE,
        Kind.RENAME_COLUMN,
        Kind.CREATE_ENUM,
    }
)


def _names(action: Action) -> list[tuple[str, str]]:
    """(what, identifier) pairs an action creates."""
    if action.kind is Kind.CREATE_TABLE:
        return [("table", action.table or "")] + [("column", c.name or "") for c in action.coldefs]
    if action.kind is Kind.ADD_COLUMN:
        return [("column", action.column or "")]
    if action.kind is Kind.RENAME_TABLE:
        return [("table", action.name or "")]
    if action.kind is Kind.RENAME_COLUMN:
        return [("column", action.name or "")]
    if action.kind is Kind.CREATE_ENUM:
        return [("type", action.name or "")]
    what = "index" if action.kind is Kind.CREATE_INDEX else "constraint"
    return [(what, action.name or "")]


@rule("ZDM304", "identifier-too-long", severity=Severity.INFO, dialects=POSTGRESQL, default=True)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for action in rev.actions:
        if action.kind not in _CREATING:
            continue
        for what, name in _names(action):
            size = len(name.encode("utf-8"))
            if size <= MAX_BYTES:
                continue
            cut = name.encode("utf-8")[:MAX_BYTES].decode("utf-8", "ignore")
            yield Hit.at(
                action,
                f"{what} name {advice.q(name)} is {size} bytes: PostgreSQL silently truncates it "
                f"to {advice.q(cut)}",
                f"shorten {advice.q(name)} to at most {MAX_BYTES} bytes (and use the same name "
                "everywhere it is referenced)",
            )
