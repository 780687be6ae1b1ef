"""MySQL 8 / MariaDB 10.6+ SQL text: online ``ALTER TABLE`` builders and catalog queries.

Every ``ALTER TABLE`` names its algorithm: ``ALGORITHM=INSTANT`` (metadata only) or
``ALGORITHM=INPLACE, LOCK=NONE`` (built while writes go on). The server then refuses
a change it could only make by copying the table or blocking writes (errors 1845 /
1846) instead of silently doing so. Names go through the
:class:`~alembic_zdm.sql.quoting.Quoter`; catalog queries take bound values, with
``:schema`` ``NULL`` meaning the connection's current database.
"""

from __future__ import annotations

import enum
import math
import shlex
from collections.abc import Sequence
from typing import Any

from ..errors import ZdmError
from .quoting import Quoter, SqlExpression

MAX_LOCK_WAIT_S = 31_536_000
"""``lock_wait_timeout``'s largest value (one year): "no timeout"."""


def new_row(q: Quoter, columns: Sequence[str]) -> str:
    """``WITH zdm_row (a, b) AS (SELECT NEW.a, NEW.b)``: the row a trigger writes, as a
    one-row table whose columns bear the table's names, so the user's SQL over them
    (a dual-write expression, a CHECK condition) can be evaluated with ``… FROM zdm_row``.

    A CTE's column list, not ``SELECT NEW.a AS a``: MySQL and MariaDB strip leading
    spaces from a select alias (warning 1466), and an expression naming ``` a`` would
    then find no such column.
    """
    names = ", ".join(q.name(c) for c in columns)
    values = ", ".join(f"NEW.{q.name(c)}" for c in columns)
    return f"WITH zdm_row ({names}) AS (SELECT {values})"


class Algorithm(enum.Enum):
    """How MySQL may carry out an ``ALTER TABLE`` (never ``COPY``)."""

    INSTANT = "ALGORITHM=INSTANT"
    INPLACE = "ALGORITHM=INPLACE, LOCK=NONE"


# ---------------------------------------------------------------- timeouts


def wait_seconds(ms: int) -> int:
    """``lock_wait_timeout`` is whole seconds (at least 1); 0 ms means no timeout."""
    if ms <= 0:
        return MAX_LOCK_WAIT_S
    return max(1, math.ceil(ms / 1000))


def wait_clause(ms: int) -> str:
    """MariaDB's per-statement ``WAIT n``: whole seconds, like ``lock_wait_timeout``
    (MariaDB 10.11 truncates a fraction, so ``WAIT 0.5`` would mean ``NOWAIT``)."""
    if ms <= 0:
        return ""
    return f"WAIT {wait_seconds(ms)}"


def set_session(name: str, value: int | float | str) -> str:
    """``SET SESSION name = value`` for one of the variables alembic-zdm manages."""
    if name not in _SESSION_VARIABLES:
        raise ValueError(name)
    return f"SET SESSION {name} = {value}"


_SESSION_VARIABLES = (
    "lock_wait_timeout",
    "innodb_lock_wait_timeout",
    "max_statement_time",
    "foreign_key_checks",
)

# ---------------------------------------------------------------- ALTER TABLE


def alter(
    q: Quoter,
    table: str,
    actions: Sequence[str],
    algorithm: Algorithm,
    *,
    schema: str | None = None,
    wait_ms: int | None = None,
) -> str:
    """``ALTER TABLE t [WAIT n] action, …, ALGORITHM=…`` (*wait_ms*: MariaDB only)."""
    head = f"ALTER TABLE {q.table(table, schema)}"
    if wait_ms:
        head += " " + wait_clause(wait_ms)
    return f"{head} {', '.join(actions)}, {algorithm.value}"


def column_spec(dialect: Any, column: Any) -> str:
    """``name TYPE [NOT] NULL [DEFAULT …] [COMMENT …]`` as SQLAlchemy renders it."""
    from sqlalchemy import Column, MetaData, Table

    col = Column(
        column.name,
        column.type,
        nullable=column.nullable,
        server_default=column.server_default,
        comment=column.comment,
        autoincrement=False,
    )
    Table("zdm_spec", MetaData(), col)
    compiler = dialect.ddl_compiler(dialect, None)
    return str(compiler.get_column_specification(col))


def add_column(spec: str) -> str:
    """``ADD COLUMN spec``."""
    return f"ADD COLUMN {spec}"


def drop_column(q: Quoter, name: str) -> str:
    """``DROP COLUMN name``."""
    return f"DROP COLUMN {q.name(name)}"


def modify_column(spec: str) -> str:
    """``MODIFY COLUMN spec`` (the whole definition: MySQL has no ``SET NOT NULL``)."""
    return f"MODIFY COLUMN {spec}"


def rename_column(q: Quoter, old: str, new: str) -> str:
    """``RENAME COLUMN old TO new``."""
    return f"RENAME COLUMN {q.name(old)} TO {q.name(new)}"


def column_default(q: Quoter, name: str, default: str | None) -> str:
    """``ALTER COLUMN c SET DEFAULT (…)`` / ``DROP DEFAULT`` (*default*: SQL text)."""
    if default is None:
        return f"ALTER COLUMN {q.name(name)} DROP DEFAULT"
    return f"ALTER COLUMN {q.name(name)} SET DEFAULT {default}"


def add_index(
    q: Quoter, name: str, columns: Sequence[SqlExpression], *, unique: bool = False
) -> str:
    """``ADD [UNIQUE] INDEX name (cols)``; expressions become functional key parts."""
    cols = ", ".join(q.name(c) if isinstance(c, str) else f"({q.expression(c)})" for c in columns)
    return f"ADD {'UNIQUE ' if unique else ''}INDEX {q.name(name)} ({cols})"


def drop_index(q: Quoter, name: str) -> str:
    """``DROP INDEX name``."""
    return f"DROP INDEX {q.name(name)}"


def rename_index(q: Quoter, old: str, new: str) -> str:
    """``RENAME INDEX old TO new``."""
    return f"RENAME INDEX {q.name(old)} TO {q.name(new)}"


_FK_ACTIONS = ("CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT", "NO ACTION")


def add_foreign_key(
    q: Quoter,
    name: str,
    columns: Sequence[str],
    referent: str,
    remote_columns: Sequence[str],
    *,
    referent_schema: str | None = None,
    ondelete: str | None = None,
    onupdate: str | None = None,
) -> str:
    """``ADD CONSTRAINT c FOREIGN KEY (…) REFERENCES r (…) [ON DELETE …] [ON UPDATE …]``."""
    sql = (
        f"ADD CONSTRAINT {q.name(name)} FOREIGN KEY ({q.names(columns)}) "
        f"REFERENCES {q.table(referent, referent_schema)} ({q.names(remote_columns)})"
    )
    if ondelete:
        sql += f" ON DELETE {keyword(ondelete, _FK_ACTIONS)}"
    if onupdate:
        sql += f" ON UPDATE {keyword(onupdate, _FK_ACTIONS)}"
    return sql


def drop_foreign_key(q: Quoter, name: str) -> str:
    """``DROP FOREIGN KEY name``."""
    return f"DROP FOREIGN KEY {q.name(name)}"


def lock_tables(
    q: Quoter,
    table: str,
    schema: str | None,
    wait_ms: int | None,
    also: Sequence[tuple[str, str | None]] = (),
) -> str:
    """``LOCK TABLES t WRITE[, other WRITE …] [WAIT n]`` (the column swap's short
    exclusive section; *also*: tables the runner must still write meanwhile)."""
    wait = f" {wait_clause(wait_ms)}" if wait_ms else ""
    tables = ", ".join(f"{q.table(t, s)} WRITE" for t, s in ((table, schema), *also))
    return f"LOCK TABLES {tables}{wait}"


UNLOCK_TABLES = "UNLOCK TABLES"


def keyword(value: str, allowed: Sequence[str]) -> str:
    """*value* as one of the SQL keywords *allowed*, or one clear error."""
    word = " ".join(value.upper().split())
    if word not in allowed:
        raise ZdmError(
            f"{value!r} is not a valid SQL keyword here; use one of {', '.join(allowed)}."
        )
    return word


# ---------------------------------------------------------------- table-copy tools


def copy_tool_commands(table: str, schema: str | None, alter_clause: str) -> list[str]:
    """Ready ``gh-ost`` and ``pt-online-schema-change`` command lines for *alter_clause*.

    *alter_clause* is what follows ``ALTER TABLE t`` (no ``ALGORITHM``/``LOCK``); the
    database is *schema* or a ``<database>`` placeholder the operator fills in.
    """
    database = schema or "<database>"
    ghost = (
        f"gh-ost --host=<host> --user=<user> --ask-pass --database={shlex.quote(database)} "
        f"--table={shlex.quote(table)} --alter={shlex.quote(alter_clause)} "
        "--allow-on-master --cut-over=default --execute"
    )
    ptosc = (
        f"pt-online-schema-change --alter {shlex.quote(alter_clause)} "
        f"{shlex.quote(f'h=<host>,u=<user>,D={database},t={table}')} --ask-pass --execute"
    )
    return [ghost, ptosc]


# ---------------------------------------------------------------- catalog (bound values)

# Values in the queries below are bound parameters; ``:schema`` NULL means the
# connection's current database.

TABLE_EXISTS = "SELECT 1 FROM information_schema.tables WHERE table_schema = COALESCE(:schema, DATABASE()) AND table_name = :table"
COLUMNS = (
    "SELECT column_name AS name FROM information_schema.columns "
    "WHERE table_schema = COALESCE(:schema, DATABASE()) AND table_name = :table ORDER BY ordinal_position"
)
COLUMN_EXISTS = (
    "SELECT 1 FROM information_schema.columns WHERE table_schema = "
    "COALESCE(:schema, DATABASE()) AND table_name = :table AND column_name = :column"
)
COLUMN_ABSENT = "SELECT 1 FROM DUAL WHERE NOT EXISTS (" + COLUMN_EXISTS + ")"  # noqa: S608
COLUMN_NOT_NULL = COLUMN_EXISTS + " AND is_nullable = 'NO'"
COLUMN_NULLABLE = COLUMN_EXISTS + " AND is_nullable = 'YES'"
INDEX_EXISTS = (
    "SELECT 1 FROM information_schema.statistics WHERE table_schema = "
    "COALESCE(:schema, DATABASE()) AND table_name = :table AND index_name = :name"
)
INDEX_ABSENT = "SELECT 1 FROM DUAL WHERE NOT EXISTS (" + INDEX_EXISTS + ")"  # noqa: S608
INDEX_INFO = (
    "SELECT table_name AS table_name, MIN(non_unique) AS non_unique "
    "FROM information_schema.statistics WHERE table_schema = COALESCE(:schema, DATABASE()) AND index_name = :name "
    "GROUP BY table_name"
)
CONSTRAINT_INFO = (
    "SELECT constraint_name AS name, constraint_type AS type "
    "FROM information_schema.table_constraints WHERE constraint_schema = "
    "COALESCE(:schema, DATABASE()) AND table_name = :table AND constraint_name = :name"
)
CONSTRAINT_EXISTS = "SELECT 1 FROM (" + CONSTRAINT_INFO + ") AS zdm_c"  # noqa: S608
CONSTRAINT_ABSENT = "SELECT 1 FROM DUAL WHERE NOT EXISTS (" + CONSTRAINT_INFO + ")"  # noqa: S608
TRIGGER_EXISTS = (
    "SELECT 1 FROM information_schema.triggers WHERE trigger_schema = "
    "COALESCE(:schema, DATABASE()) AND trigger_name = :name"
)
TRIGGER_NAMES = (
    "SELECT trigger_name AS name FROM information_schema.triggers WHERE trigger_schema = "
    "COALESCE(:schema, DATABASE()) AND event_object_table = :table AND trigger_name LIKE :pattern"
)
NOT_STRICT = (
    "SELECT 1 FROM DUAL WHERE @@SESSION.sql_mode NOT LIKE '%STRICT_TRANS_TABLES%' "
    "AND @@SESSION.sql_mode NOT LIKE '%STRICT_ALL_TABLES%'"
)
"""A row when the session is not in strict mode (``MODIFY … NOT NULL`` would coerce)."""
ROW_VERSIONS = (
    "SELECT total_row_versions FROM information_schema.innodb_tables "
    "WHERE name = CONCAT(COALESCE(:schema, DATABASE()), '/', :table) AND total_row_versions >= :limit"
)
"""MySQL 8.0.29+: a row when the table is near the 64 instant row-version limit."""
READ_TIMEOUTS_MYSQL = (
    "SELECT @@SESSION.lock_wait_timeout AS lock_wait_timeout, "
    "@@SESSION.innodb_lock_wait_timeout AS innodb_lock_wait_timeout"
)
READ_TIMEOUTS_MARIADB = READ_TIMEOUTS_MYSQL + ", @@SESSION.max_statement_time AS max_statement_time"
METADATA_LOCKS = """\
SELECT t.processlist_id AS pid, COALESCE(t.processlist_state, t.processlist_command, '') AS state,
       COALESCE(t.processlist_time, 0) AS seconds, LEFT(COALESCE(t.processlist_info, ''), 80) AS query,
       m.lock_type AS mode, m.lock_status = 'GRANTED' AS granted
FROM performance_schema.metadata_locks m
JOIN performance_schema.threads t ON t.thread_id = m.owner_thread_id
WHERE m.object_type = 'TABLE' AND m.object_schema = COALESCE(:schema, DATABASE())
  AND m.object_name = :table AND t.processlist_id <> CONNECTION_ID()
ORDER BY granted DESC, seconds DESC"""
"""Sessions holding or waiting for a metadata lock on the table (MySQL 8 default)."""
OPEN_TRANSACTIONS = """\
SELECT trx_mysql_thread_id AS pid, TIMESTAMPDIFF(SECOND, trx_started, NOW()) AS seconds,
       LEFT(COALESCE(trx_query, ''), 80) AS query
FROM information_schema.innodb_trx
WHERE trx_mysql_thread_id <> CONNECTION_ID() ORDER BY seconds DESC"""
"""Without performance_schema (MariaDB's default): sessions with a transaction open,
the usual holders of a table's metadata lock. Read alone and matched with
:data:`SESSIONS` in Python: MariaDB 10.11 has crashed on ``innodb_trx`` joined with
``processlist`` while other sessions dropped temporary tables."""
SESSIONS = """\
SELECT id AS pid, COALESCE(state, command, '') AS state, LEFT(COALESCE(info, ''), 80) AS query
FROM information_schema.processlist WHERE id <> CONNECTION_ID()"""
"""Every other session's state and statement, to describe the open transactions."""
WAITING_FOR_MDL = """\
SELECT id AS pid, state, time AS seconds, LEFT(COALESCE(info, ''), 80) AS query
FROM information_schema.processlist
WHERE state LIKE 'Waiting for table metadata lock%' AND id <> CONNECTION_ID()"""
