"""ZDM114 column-type-rewrite: a column type change that rewrites the table.

## What it does
Flags `op.alter_column(..., type_=…)` and `ALTER COLUMN … TYPE` / `MODIFY COLUMN`
in raw SQL unless the change is known to be metadata-only:

* PostgreSQL (checked against a server: the table's file node stays the same):
  `varchar(n)` → `varchar(m ≥ n)` or `varchar`; `varchar` → `text`; `text` →
  `varchar` *without* a length (SQLAlchemy's `sa.String()`); `numeric(p, s)` →
  `numeric(q ≥ p, s)` or unconstrained `numeric`; `cidr` → `inet`; `citext` ↔ `text`,
  `varchar` → `citext`; higher (or no) precision of `time`, `timetz`, `timestamp`,
  `timestamptz`, `interval`, `varbit`; `timestamp` ↔ `timestamptz` on 12+ (a no-op
  only when the session time zone is UTC). Everything else — `text` → `varchar(n)`,
  any shrink, `char(n)` changes, `integer` → `bigint`, `json` → `jsonb`, enums — rewrites;
* MySQL / MariaDB: `varchar` growth that keeps the same length-byte count
  (up to 63 or from 64 characters in utf8mb4). ENUM/SET changes are ZDM131's.

Without `existing_type=` the old type is taken from the opposite function (the
`downgrade()` that changes the same column back, or the `upgrade()` a `downgrade()`
undoes); when neither says, the change is flagged — pass `existing_type=` so the
linter can tell a safe widening from a rewrite.

**Databases:** PostgreSQL, MySQL, MariaDB.

## Why is this bad?
A rewriting type change copies the table (and rebuilds its indexes) under an ACCESS
EXCLUSIVE lock (MySQL: `ALGORITHM=COPY`), blocking reads and writes for as long as
the copy takes. The old application may also fail on values of the new type.

## Example
```python
def upgrade() -> None:
    op.alter_column("orders", "amount", type_=sa.BigInteger(), existing_type=sa.Integer())
```

## Use instead
```python
def expand() -> None:
    op.safe_change_column_type("orders", "amount", sa.BigInteger())
```
It adds a shadow column kept in sync by a trigger, backfills it in batches, and
swaps the columns in contract.
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import UNDO_PHASES, Action, Kind, Revision, Severity, TypeSpec
from ...registry import Hit, rule
from ...target import Target

_PRECISION_TYPES = ("time", "timetz", "timestamp", "timestamptz", "interval", "varbit")
"""Types whose precision (or length) may grow, or be dropped, without a rewrite."""
_BINARY = frozenset(
    {
        ("varchar", "text"),
        ("cidr", "inet"),
        ("citext", "text"),
        ("text", "citext"),
        ("varchar", "citext"),
        ("xml", "text"),
    }
)
"""Binary-coercible casts (``pg_cast.castmethod = 'b'``) between different types."""
_UNBOUNDED_TARGET = frozenset({("text", "varchar"), ("citext", "varchar"), ("varchar", "bpchar")})
"""Binary-coercible only when the new type has no length (a length adds a checking cast)."""


def safe_on_postgresql(old: TypeSpec, new: TypeSpec, target: Target) -> bool:
    """Whether PostgreSQL changes *old* to *new* without rewriting the table.

    The table is not rewritten when the old type is binary coercible to the new one
    and the length or precision does not shrink (the support functions of varchar,
    numeric, time, timestamp, interval and varbit turn a widening into a no-op).
    ``timestamp`` ↔ ``timestamptz`` is a no-op from PostgreSQL 12 when the session
    time zone is UTC. Indexes on the column are still rebuilt where the operator class
    changes (``text`` ↔ ``citext``).
    """
    if old.name == new.name and old.args == new.args:
        return True
    pair = (old.name, new.name)
    if pair in _BINARY:
        return True
    if pair in _UNBOUNDED_TARGET:
        return not new.args
    if old.name == new.name == "numeric":
        if not new.args:
            return True
        return bool(old.args) and _scale(old) == _scale(new) and _widens(old, new)
    if old.name == new.name and old.name in ("varchar", *_PRECISION_TYPES):
        return _widens(old, new)
    if {old.name, new.name} == {"timestamp", "timestamptz"} and old.args == new.args:
        return target.at_least(12)
    return False


def _widens(old: TypeSpec, new: TypeSpec) -> bool:
    """The new length/precision is absent, or at least the old one (which must be known)."""
    return not new.args or (bool(old.args) and _int(new.args[0]) >= _int(old.args[0]))


def _scale(spec: TypeSpec) -> int:
    return _int(spec.args[1]) if len(spec.args) > 1 else 0


def reverse_type(rev: Revision, action: Action) -> TypeSpec | None:
    """The column's old type, read from the opposite function's change of the same column.

    An ``upgrade()`` that changes ``orders.amount`` to ``numeric(11, 2)`` without
    ``existing_type=`` usually has a ``downgrade()`` that changes it back to what it
    was; that type is the old one (and the other way round).
    """
    undo = action.phase in UNDO_PHASES
    for other in rev.actions:
        if (
            other.kind is Kind.ALTER_TYPE
            and (other.phase in UNDO_PHASES) != undo
            and other.relation == action.relation
            and other.column == action.column
            and other.new_type is not None
        ):
            return other.new_type
    return None


def safe_on_mysql(old: TypeSpec, new: TypeSpec) -> bool:
    """Whether MySQL changes *old* to *new* in place (same varchar length bytes)."""
    if old.name == new.name and old.args == new.args:
        return True
    if old.name == new.name == "varchar" and old.args and new.args:
        before, after = _int(old.args[0]), _int(new.args[0])
        return after >= before and (after <= 63) == (before <= 63)
    return False


def _int(value: int | str) -> int:
    return value if isinstance(value, int) else 0


@rule(
    "ZDM114",
    "column-type-rewrite",
    severity=Severity.ERROR,
    dialects=frozenset({"postgresql", "mysql", "mariadb"}),
)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for action in rev.actions:
        if action.kind is not Kind.ALTER_TYPE or action.new_table or action.safe:
            continue
        old, new = action.old_type or reverse_type(rev, action), action.new_type
        if target.is_mysql and any(t is not None and t.name in ("enum", "set") for t in (old, new)):
            continue
        if old is not None and new is not None:
            safe = (
                safe_on_postgresql(old, new, target)
                if target.is_postgresql
                else safe_on_mysql(old, new)
            )
            if safe:
                continue
            change = f"from {old.render()} to {new.render()}"
        else:
            change = f"to {new.render() if new else 'a new type'} (old type unknown: pass existing_type=)"
        yield Hit.at(
            action,
            f"{action.origin} changes {advice.rel(action)}.{advice.q(action.column)} {change}, "
            "which rewrites the table under an exclusive lock",
            f"op.safe_change_column_type({action.arg('table')}, {action.arg('column')}, {advice.sa_type(new)}"
            f"{action.schema_kw})",
        )
