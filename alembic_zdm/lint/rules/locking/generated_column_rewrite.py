"""ZDM116 generated-column-rewrite: serial, identity, auto-increment or STORED generated column added to an existing table.

## What it does
Flags `op.add_column(...)` (also on `batch_op`) and `ALTER TABLE … ADD COLUMN` in raw
SQL on a table that existed before the revision when the new column is:

- PostgreSQL: `serial`/`bigserial`, `GENERATED … AS IDENTITY` (`sa.Identity()`), or
  `GENERATED ALWAYS AS (…) STORED` (`sa.Computed(...)`, which PostgreSQL stores);
- MySQL/MariaDB: `AUTO_INCREMENT`, or a `STORED` generated column
  (`sa.Computed(..., persisted=True)`).

An integer primary-key column added with `op.add_column` —
`sa.Column("id", sa.Integer, primary_key=True)` — counts too: SQLAlchemy's
autoincrement makes it `ADD COLUMN id SERIAL NOT NULL` (MySQL: `AUTO_INCREMENT`).
A VIRTUAL generated column (MySQL, MariaDB, PostgreSQL 18+) is not flagged.

**Databases:** PostgreSQL, MySQL, MariaDB.

## Why is this bad?
Every existing row needs its own value — the next number of a sequence, or the
computed expression — so the database rewrites the whole table: on PostgreSQL under an
ACCESS EXCLUSIVE lock (no reads, no writes), on MySQL with `ALGORITHM=COPY` (writes
blocked). With statement-based replication, auto-increment values assigned to old rows
may also differ between primary and replicas.

## Example
```python
def upgrade() -> None:
    op.add_column("events", sa.Column("seq", sa.BigInteger(), sa.Identity()))
```

## Use instead
```python
def expand() -> None:
    op.add_column("events", sa.Column("seq", sa.BigInteger(), nullable=True))
    op.execute("CREATE SEQUENCE events_seq_seq OWNED BY events.seq")
    op.execute("ALTER TABLE events ALTER COLUMN seq SET DEFAULT nextval('events_seq_seq')")


def migrate() -> None:
    op.backfill("events", set={"seq": "nextval('events_seq_seq')"}, where="seq IS NULL")
```
A default set after the column exists only applies to new rows (no rewrite); old rows
are filled in batches. For a computed value: a plain column kept up to date by a
trigger and backfilled the same way — or, on MySQL/MariaDB, a VIRTUAL column.
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import advice
from ...model import Action, ColumnSpec, Kind, Revision, Severity
from ...registry import Hit, rule
from ...target import Target

_FLAGGED = {
    "postgresql": {"identity", "serial", "stored", "computed", "autoincrement"},
    "mysql": {"auto_increment", "stored", "autoincrement"},
    "mariadb": {"auto_increment", "stored", "autoincrement"},
}
_WHAT = {
    "identity": "an identity column",
    "serial": "a serial column",
    "autoincrement": "an auto-incrementing primary-key column",
    "auto_increment": "an AUTO_INCREMENT column",
    "stored": "a STORED generated column",
    "computed": "a generated column (stored on PostgreSQL)",
}
_SEQUENCE_TYPES = {"serial": "sa.Integer()", "bigserial": "sa.BigInteger()"}


@rule(
    "ZDM116",
    "generated-column-rewrite",
    severity=Severity.ERROR,
    dialects=frozenset({"postgresql", "mysql", "mariadb"}),
)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for action in rev.actions:
        col = action.coldef
        if action.kind is not Kind.ADD_COLUMN or col is None or action.new_table or action.safe:
            continue
        kind = col.generated_kind
        if kind not in _FLAGGED[target.dialect]:
            continue
        if kind == "autoincrement":
            kind = "serial" if target.is_postgresql else "auto_increment"
        rewrite = (
            "rewrites the table under an ACCESS EXCLUSIVE lock"
            if target.is_postgresql
            else "copies the table (ALGORITHM=COPY), blocking writes"
        )
        yield Hit.at(
            action,
            f"{action.origin} adds {_WHAT[kind]} {advice.q(action.column)} to existing table "
            f"{advice.rel(action)}: every row gets a value, so it {rewrite}",
            _help(action, kind, target),
        )


def _help(action: Action, kind: str, target: Target) -> str:
    col = action.coldef or ColumnSpec(action.column)
    sa_type = _SEQUENCE_TYPES.get(col.type.name if col.type else "", "") or advice.sa_type(col.type)
    plain = f"sa.Column({advice.q(col.name)}, {sa_type}, nullable=True)"
    add = f"op.add_column({action.arg('table')}, {plain}{action.schema_kw})"
    if kind == "stored" and not target.is_postgresql:
        return f"make it VIRTUAL (sa.Computed(..., persisted=False)), or {add} + trigger + backfill"
    if kind in ("stored", "computed"):
        return f"{add}, keep it filled with a trigger, and backfill old rows with op.backfill(...)"
    if not target.is_postgresql:
        return "add it with gh-ost or pt-online-schema-change, or add a plain column and backfill"
    return (
        f"{add}, then SET DEFAULT nextval(<new sequence>) for new rows and "
        f"op.backfill({action.arg('table')}, ...{action.schema_kw}) for old ones"
    )
