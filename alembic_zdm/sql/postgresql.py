"""PostgreSQL SQL text: DDL builders and catalog queries.

Builders take a :class:`~alembic_zdm.sql.quoting.Quoter` and raw names and return
SQL text; every name goes through the quoter. Catalog queries take their values as
bound parameters; a relation is looked up with ``to_regclass(:rel)``, where ``:rel``
is the *quoted* (and possibly schema-qualified) name, so the search path applies
exactly as it does to the DDL.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import ZdmError
from .quoting import Quoter, SqlExpression, dollar_quote

# ---------------------------------------------------------------- timeouts


def duration(ms: int) -> str:
    """A PostgreSQL duration literal for *ms* milliseconds: ``'500ms'``, ``'1min'``, ``'0'``."""
    if ms <= 0:
        return "'0'"
    for unit, size in (("h", 3_600_000), ("min", 60_000), ("s", 1000)):
        if ms % size == 0:
            return f"'{ms // size}{unit}'"
    return f"'{ms}ms'"


def set_timeout(name: str, ms: int, *, local: bool) -> str:
    """``SET [LOCAL] lock_timeout = '500ms';`` (*name*: ``lock_timeout`` / ``statement_timeout``)."""
    if name not in ("lock_timeout", "statement_timeout"):
        raise ValueError(name)
    scope = "SET LOCAL" if local else "SET"
    return f"{scope} {name} = {duration(ms)}"


def reset_timeout(name: str, *, local: bool) -> str:
    """Back to the session's value: ``SET LOCAL x TO DEFAULT`` / ``RESET x``."""
    if name not in ("lock_timeout", "statement_timeout"):
        raise ValueError(name)
    return f"SET LOCAL {name} TO DEFAULT" if local else f"RESET {name}"


READ_TIMEOUTS = (
    "SELECT current_setting('lock_timeout') AS lock_timeout, "
    "current_setting('statement_timeout') AS statement_timeout"
)
SERVER_ENDPOINT = (
    "SELECT host(inet_server_addr()) AS address, inet_server_port() AS port, "
    "current_setting('port') AS own_port"
)
"""Where the server sees this session: compared with where the client connected."""
SET_TIMEOUTS = (
    "SELECT set_config('lock_timeout', :lock_timeout, :is_local), "
    "set_config('statement_timeout', :statement_timeout, :is_local)"
)

# ---------------------------------------------------------------- indexes


def create_index(
    q: Quoter,
    name: str,
    table: str,
    columns: Sequence[SqlExpression],
    *,
    schema: str | None = None,
    unique: bool = False,
    where: SqlExpression | None = None,
    using: str | None = None,
    include: Sequence[str] = (),
    concurrently: bool = True,
) -> str:
    """``CREATE [UNIQUE] INDEX [CONCURRENTLY IF NOT EXISTS] name ON table [USING m] (cols) …``."""
    parts = ["CREATE UNIQUE INDEX" if unique else "CREATE INDEX"]
    if concurrently:
        parts.append("CONCURRENTLY IF NOT EXISTS")
    parts += [q.name(name), "ON", q.table(table, schema)]
    if using:
        parts += ["USING", q.name(using)]
    cols = ", ".join(q.name(c) if isinstance(c, str) else q.expression(c) for c in columns)
    parts.append(f"({cols})")
    if include:
        parts.append(f"INCLUDE ({q.names(include)})")
    if where is not None:
        parts += ["WHERE", q.expression(where)]
    return " ".join(parts)


def drop_index(
    q: Quoter, name: str, *, schema: str | None = None, concurrently: bool = True
) -> str:
    """``DROP INDEX [CONCURRENTLY] IF EXISTS [schema.]name``."""
    keyword = "DROP INDEX CONCURRENTLY IF EXISTS" if concurrently else "DROP INDEX IF EXISTS"
    return f"{keyword} {q.table(name, schema)}"


INDEX_INFO = """\
SELECT i.indexrelid::regclass::text AS name, i.indrelid::regclass::text AS table_name,
       c.relname AS bare_table, i.indisvalid AS valid, i.indisunique AS is_unique,
       coalesce((SELECT array_agg(con.conname::text ORDER BY con.conname)
                 FROM pg_constraint con WHERE con.conindid = i.indexrelid), '{}') AS constraints
FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
WHERE i.indexrelid = to_regclass(:rel)"""
"""One row for index ``:rel`` (quoted name): validity, table, constraints that use it."""

# ---------------------------------------------------------------- constraints


def add_foreign_key(
    q: Quoter,
    name: str,
    table: str,
    columns: Sequence[str],
    referent: str,
    remote_columns: Sequence[str],
    *,
    schema: str | None = None,
    referent_schema: str | None = None,
    ondelete: str | None = None,
    onupdate: str | None = None,
    deferrable: bool | None = None,
    initially: str | None = None,
    match: str | None = None,
    not_valid: bool = True,
) -> str:
    """``ALTER TABLE t ADD CONSTRAINT c FOREIGN KEY (…) REFERENCES r (…) … NOT VALID``."""
    sql = (
        f"ALTER TABLE {q.table(table, schema)} ADD CONSTRAINT {q.name(name)} "
        f"FOREIGN KEY ({q.names(columns)}) "
        f"REFERENCES {q.table(referent, referent_schema)} ({q.names(remote_columns)})"
    )
    if match:
        sql += f" MATCH {_keyword(match, ('FULL', 'PARTIAL', 'SIMPLE'))}"
    actions = ("CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT", "NO ACTION")
    if ondelete:
        sql += f" ON DELETE {_keyword(ondelete, actions)}"
    if onupdate:
        sql += f" ON UPDATE {_keyword(onupdate, actions)}"
    if deferrable is not None:
        sql += " DEFERRABLE" if deferrable else " NOT DEFERRABLE"
    if initially:
        sql += f" INITIALLY {_keyword(initially, ('DEFERRED', 'IMMEDIATE'))}"
    return sql + (" NOT VALID" if not_valid else "")


def add_check(
    q: Quoter,
    name: str,
    table: str,
    condition: SqlExpression,
    *,
    schema: str | None = None,
    not_valid: bool = True,
) -> str:
    """``ALTER TABLE t ADD CONSTRAINT c CHECK (condition) [NOT VALID]``."""
    sql = (
        f"ALTER TABLE {q.table(table, schema)} ADD CONSTRAINT {q.name(name)} "
        f"CHECK ({q.expression(condition)})"
    )
    return sql + (" NOT VALID" if not_valid else "")


def add_not_null_constraint(
    q: Quoter, name: str, table: str, column: str, *, schema: str | None = None
) -> str:
    """PostgreSQL 18+: ``ALTER TABLE t ADD CONSTRAINT c NOT NULL col NOT VALID``."""
    return (
        f"ALTER TABLE {q.table(table, schema)} ADD CONSTRAINT {q.name(name)} "
        f"NOT NULL {q.name(column)} NOT VALID"
    )


def validate_constraint(q: Quoter, name: str, table: str, *, schema: str | None = None) -> str:
    """``ALTER TABLE t VALIDATE CONSTRAINT c``."""
    return f"ALTER TABLE {q.table(table, schema)} VALIDATE CONSTRAINT {q.name(name)}"


def drop_constraint(q: Quoter, name: str, table: str, *, schema: str | None = None) -> str:
    """``ALTER TABLE t DROP CONSTRAINT IF EXISTS c``."""
    return f"ALTER TABLE {q.table(table, schema)} DROP CONSTRAINT IF EXISTS {q.name(name)}"


def add_unique_using_index(
    q: Quoter, name: str, table: str, index: str, *, schema: str | None = None
) -> str:
    """``ALTER TABLE t ADD CONSTRAINT c UNIQUE USING INDEX i`` (the index is renamed to *c*)."""
    return (
        f"ALTER TABLE {q.table(table, schema)} ADD CONSTRAINT {q.name(name)} "
        f"UNIQUE USING INDEX {q.name(index)}"
    )


def alter_column_nullability(
    q: Quoter, table: str, column: str, *, nullable: bool, schema: str | None = None
) -> str:
    """``ALTER TABLE t ALTER COLUMN c SET NOT NULL`` / ``DROP NOT NULL``."""
    action = "DROP NOT NULL" if nullable else "SET NOT NULL"
    return f"ALTER TABLE {q.table(table, schema)} ALTER COLUMN {q.name(column)} {action}"


INDEX_VALID = "SELECT 1 FROM pg_index WHERE indexrelid = to_regclass(:rel) AND indisvalid"
"""One row when index ``:rel`` (quoted, schema-qualified name) exists and is valid."""

CONSTRAINT_EXISTS = (
    "SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass(:rel) AND conname = :name"
)
CONSTRAINT_VALIDATED = CONSTRAINT_EXISTS + " AND convalidated"
CONSTRAINT_ABSENT = f"SELECT 1 WHERE NOT EXISTS ({CONSTRAINT_EXISTS})"
CONSTRAINT_INFO = """\
SELECT conname AS name, contype AS type, convalidated AS validated
FROM pg_constraint WHERE conrelid = to_regclass(:rel) AND conname = :name"""
COLUMN_NOT_NULL = (
    "SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(:rel) AND attname = :column "
    "AND attnum > 0 AND NOT attisdropped AND attnotnull"
)
COLUMN_NOT_NULL_OR_CONSTRAINT = (
    f"SELECT 1 WHERE EXISTS ({COLUMN_NOT_NULL}) OR EXISTS ({CONSTRAINT_EXISTS})"
)

# ---------------------------------------------------------------- tables, columns

TABLE_EXISTS = "SELECT 1 FROM pg_class WHERE oid = to_regclass(:rel) AND relkind IN ('r', 'p', 'f')"
COLUMNS = """\
SELECT attname AS name FROM pg_attribute
WHERE attrelid = to_regclass(:rel) AND attnum > 0 AND NOT attisdropped ORDER BY attnum"""

# ---------------------------------------------------------------- locks

LOCK_HOLDERS = """\
SELECT a.pid, coalesce(a.state, '') AS state, l.mode, l.granted,
       extract(epoch FROM clock_timestamp()
               - coalesce(a.xact_start, a.query_start, clock_timestamp()))::float AS seconds,
       left(regexp_replace(coalesce(a.query, ''), '\\s+', ' ', 'g'), 80) AS query,
       pg_blocking_pids(a.pid) AS blocked_by
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'relation' AND l.relation = to_regclass(:rel) AND l.pid <> pg_backend_pid()
ORDER BY l.granted DESC, seconds DESC"""
"""Sessions holding (``granted``) or queued for a lock on table ``:rel``."""

OWN_WRITE_BLOCKING_LOCKS = """\
SELECT DISTINCT l.relation::regclass::text AS rel
FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
WHERE l.locktype = 'relation' AND l.pid = pg_backend_pid() AND l.granted
  AND c.relkind IN ('r', 'p', 'm', 'f')
  AND l.mode IN ('ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock')
ORDER BY 1"""
"""Tables on which this session's transaction holds a lock that makes writers wait."""


def lock_table(
    q: Quoter, table: str, mode: str, *, schema: str | None = None, nowait: bool = False
) -> str:
    """``LOCK TABLE t IN <mode> MODE [NOWAIT]`` (NOWAIT: take it now or fail at once, never queue)."""
    sql = f"LOCK TABLE {q.table(table, schema)} IN {_keyword(mode, _LOCK_MODES)} MODE"
    return sql + " NOWAIT" if nowait else sql


_LOCK_MODES = (
    "ACCESS SHARE",
    "ROW SHARE",
    "ROW EXCLUSIVE",
    "SHARE UPDATE EXCLUSIVE",
    "SHARE",
    "SHARE ROW EXCLUSIVE",
    "EXCLUSIVE",
    "ACCESS EXCLUSIVE",
)

# ---------------------------------------------------------------- checks (DO blocks)

SCHEMA_ERRCODE = "ZDM01"
"""SQLSTATE raised by a failed schema check (an unknown or unexpected table/column)."""
DATA_ERRCODE = "ZDM02"
"""SQLSTATE raised by a failed data check."""


def raise_if(q: Quoter, condition: str, message: str, errcode: str) -> str:
    """A ``DO`` block raising *message* with SQLSTATE *errcode* when *condition* holds.

    Works the same online and in an offline script (``psql -v ON_ERROR_STOP=1``).
    """
    body = (
        f" BEGIN IF {condition} THEN RAISE EXCEPTION USING "
        f"ERRCODE = {q.literal(errcode)}, MESSAGE = {q.literal(message)}; END IF; END "
    )
    return "DO " + dollar_quote(body)


def raise_if_rows(q: Quoter, query: str, message: str, errcode: str) -> str:
    """A ``DO`` block raising *message* (with the row count) when *query* returns rows."""
    # *query* is the user's SQL by design; the message goes through the literal quoter.
    body = (
        " DECLARE n bigint; BEGIN "  # noqa: S608
        f"SELECT count(*) INTO n FROM ({query}) AS zdm_rows; "
        "IF n > 0 THEN RAISE EXCEPTION USING "
        f"ERRCODE = {q.literal(errcode)}, MESSAGE = format('%s (%s offending rows)', "
        f"{q.literal(message)}, n); END IF; END "
    )
    return "DO " + dollar_quote(body)


def column_exists_condition(q: Quoter, table: str, column: str, schema: str | None) -> str:
    """SQL condition: *column* exists in *table* (values as literals, for a ``DO`` block)."""
    # Both values pass through the literal quoter.
    return (
        "EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = "  # noqa: S608
        f"to_regclass({q.literal(q.table(table, schema))}) "
        f"AND attname = {q.literal(column)} AND attnum > 0 AND NOT attisdropped)"
    )


def _keyword(value: str, allowed: Sequence[str]) -> str:
    word = " ".join(value.upper().split())
    if word not in allowed:
        raise ZdmError(
            f"{value!r} is not a valid SQL keyword here; use one of {', '.join(allowed)}."
        )
    return word
