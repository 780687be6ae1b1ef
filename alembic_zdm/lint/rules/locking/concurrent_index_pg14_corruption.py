"""ZDM125 concurrent-index-pg14-corruption: CREATE INDEX CONCURRENTLY on PostgreSQL 14.0–14.3.

## What it does
Flags every concurrent index build — `op.create_index(..., postgresql_concurrently=True)`,
`op.add_index_concurrently(...)`, `CREATE INDEX CONCURRENTLY` and
`REINDEX … CONCURRENTLY` in raw SQL — on an existing table when the target allows
PostgreSQL 14.0 to 14.3 (`target = "postgresql>=14"` up to `"postgresql>=14.3"`).

**Databases:** PostgreSQL 14.0–14.3 only; silent for every other target.

## Why is this bad?
PostgreSQL 14.0–14.3 have a bug in concurrent index builds: rows updated while the
build runs can be missing from the new index (HOT chains are followed wrongly). The
index is marked valid but silently returns wrong results — a unique index may even
let duplicates in. It was fixed in 14.4; `amcheck` (`pg_amcheck --heapallindexed`)
finds indexes built by an affected version.

## Example
```python
def upgrade() -> None:
    op.add_index_concurrently("ix_users_email", "users", ["email"])
```

## Use instead
Upgrade the server to 14.4 or later and raise the target:
```toml
[tool.alembic_zdm.lint]
target = "postgresql>=14.4"
```
If the server is known to run 14.4+ already, raising the target is all there is to
do; if it cannot be upgraded, accept the risk explicitly with
`# zdm: ignore[ZDM125] <reason>` and check the index with `amcheck` afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import CONCURRENTLY, Kind, Revision, Severity
from ...registry import POSTGRESQL, Hit, rule
from ...target import Target


@rule("ZDM125", "concurrent-index-pg14-corruption", severity=Severity.ERROR, dialects=POSTGRESQL)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    if not (target.at_least(14) and target.below(14, 4)):
        return
    for action in rev.actions:
        if action.new_table:
            continue
        if action.kind is Kind.CREATE_INDEX and action.has(CONCURRENTLY):
            what = f"concurrent build of index {advice.q(action.name)}"
        elif action.kind is Kind.OTHER_DDL and (
            action.options.get("statement") == "reindex" and action.options.get("concurrently")
        ):
            what = f"REINDEX CONCURRENTLY of {advice.q(action.options.get('target'))}"
        else:
            continue
        yield Hit.at(
            action,
            f"{what} on PostgreSQL 14.0–14.3 may silently miss rows updated during the "
            "build (bug fixed in 14.4)",
            'upgrade to PostgreSQL 14.4+ and set target = "postgresql>=14.4"; '
            "or accept it: # zdm: ignore[ZDM125] <reason>, then check with amcheck",
        )
