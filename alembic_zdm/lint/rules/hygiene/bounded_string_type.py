"""ZDM302 bounded-string-type: a new column of type varchar(n) or char(n).

## What it does
Flags a column typed `varchar(n)` (`sa.String(n)`, `sa.VARCHAR(n)`) or `char(n)`
(`sa.CHAR(n)`) in `op.add_column(...)`, `op.create_table(...)` and `ADD COLUMN` /
`CREATE TABLE` in raw SQL, in the forward functions. Changing an existing column's
type is not flagged here (that is ZDM114's concern).

**Databases:** PostgreSQL, all versions. Severity `info`.

## Why is this bad?
On PostgreSQL `varchar(n)` is `text` plus a length check, stored and compared the same
way; the only difference is that raising the limit later is an `ALTER COLUMN TYPE`
(cheap for a widening, but a table rewrite for any other change), and lowering it is a
rewrite with a full scan. `char(n)` pads values with spaces, which surprises every
comparison and takes more space. A `CHECK (length(col) <= n)` constraint is changed
online (`NOT VALID` + `VALIDATE`).

## Example
```python
def upgrade() -> None:
    op.add_column("users", sa.Column("nickname", sa.String(50), nullable=True))
```

## Use instead
```python
def upgrade() -> None:
    op.add_column("users", sa.Column("nickname", sa.Text(), nullable=True))
    op.add_check_constraint_safe("ck_users_nickname_length", "users", "length(nickname) <= 50")
```
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import Revision, Severity
from ...registry import POSTGRESQL, Hit, rule
from ...target import Target
from . import _nullable, new_columns


@rule("ZDM302", "bounded-string-type", severity=Severity.INFO, dialects=POSTGRESQL)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for action, col in new_columns(rev):
        spec = col.type
        if spec is None or spec.name not in ("varchar", "char"):
            continue
        length = next((a for a in spec.args if isinstance(a, int)), None)
        if length is None:
            continue
        name = col.name or "column"
        table = action.relation or "table"
        check_sql = f"length({name}) <= {length}"
        yield Hit.at(
            action,
            f"column {advice.q(col.name)} of {advice.rel(action)} is {spec.render()}: on PostgreSQL "
            "that is text with a length check that is hard to change later"
            + (", and char(n) pads with spaces" if spec.name == "char" else ""),
            f"sa.Column({advice.q(col.name)}, sa.Text(){_nullable(col)}) with "
            f"op.add_check_constraint_safe({advice.q(f'ck_{table}_{name}_length')}, "
            f"{advice.rel(action)}, {advice.q(check_sql)})",
        )
