"""MySQL 8 and MariaDB 10.6+: timeouts, lock diagnostics, error translation, catalog.

SQLAlchemy names a MariaDB server's dialect ``mysql`` (with ``is_mariadb``) when the
URL says ``mysql://`` and ``mariadb`` when it says ``mariadb://``; both reach
:class:`MySQLSupport`, whose :attr:`~MySQLSupport.name` is the *server's* flavour, so
plans and :mod:`~alembic_zdm.dialects.capabilities` see ``mariadb`` for MariaDB.

Hazards handled here (RULES ZDM130–ZDM133):

* MySQL has no transactional DDL: every ``ALTER`` commits. Plans therefore give each
  statement a ``done_check`` so a phase that failed half-way completes on a re-run.
* A DDL statement waiting for its metadata lock queues every later statement on the
  table (like PostgreSQL's lock queue), so ``lock_wait_timeout`` is short (whole
  seconds; MariaDB's ``WAIT n`` gives the sub-second value) and retried.
* ``ALGORITHM=…`` is always explicit; errors 1845/1846 (the server would copy the
  table) become :class:`~alembic_zdm.errors.TableCopyRequiredError` with ready
  ``gh-ost`` / ``pt-online-schema-change`` command lines.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Dialect

from ..errors import DataIntegrityError, SchemaObjectError, TableCopyRequiredError, ZdmError
from ..sql import mysql as my
from ..sql.levels import LockLevel
from . import register_dialect
from .base import DialectSupport

if TYPE_CHECKING:
    from ..sql.statement import Statement
    from .records import Blocker, ConstraintInfo, IndexInfo

log = logging.getLogger("alembic.zdm")

LOCK_WAIT_TIMEOUT = 1205
DEADLOCK = 1213
LOCK_NOWAIT = 3572
COPY_ONLY = {1845, 1846}
_SCHEMA_ERRORS = {1146, 1054, 1060, 1061, 1091, 1072, 1050, 1826}
_DATA_ERRORS = {1062, 1451, 1452, 1048, 1138, 1263, 1265, 3819, 4025, 1644}
_STATEMENT_TIMEOUT = {1969, 3024}
_CONSTRAINT_TYPES = {"PRIMARY KEY": "p", "UNIQUE": "u", "FOREIGN KEY": "f", "CHECK": "c"}


def error_code(error: BaseException) -> int | None:
    """The MySQL error number of a DBAPI error (mysqlclient / PyMySQL), wrapped or not."""
    orig = getattr(error, "orig", error)
    args = getattr(orig, "args", ())
    return int(args[0]) if args and isinstance(args[0], int) else None


def error_message(error: BaseException) -> str:
    """The server's message of a DBAPI error, without the error number."""
    orig = getattr(error, "orig", error)
    args: tuple[Any, ...] = tuple(getattr(orig, "args", ()))
    if len(args) > 1:
        return str(args[1])
    return str(orig).strip().splitlines()[0]


@register_dialect("mysql", "mariadb")
class MySQLSupport(DialectSupport):
    """MySQL 8.0+ and MariaDB 10.6+ (mysqlclient or PyMySQL)."""

    session_lock_guard = True

    def __init__(self, dialect: Dialect, server_version: tuple[int, ...] | None) -> None:
        super().__init__(dialect, server_version)
        mariadb = bool(getattr(dialect, "is_mariadb", False)) or dialect.name == "mariadb"
        self.name = "mariadb" if mariadb else "mysql"

    @property
    def flavour(self) -> str:
        """``MySQL 8.0.29`` / ``MariaDB 10.11.19`` for messages."""
        label = "MariaDB" if self.name == "mariadb" else "MySQL"
        return f"{label} {self.version_text}" if self.server_version else label

    def wait_ms(self, lock_timeout_ms: int) -> int | None:
        """The ``WAIT n`` to put in DDL (MariaDB), ``None`` where the server has none."""
        return lock_timeout_ms if self.caps.ddl_wait_clause and lock_timeout_ms > 0 else None

    # ---- timeouts and errors

    def timeout_statements(
        self, lock_timeout_ms: int | None, statement_timeout_ms: int | None, *, local: bool
    ) -> list[str]:
        out = []
        if lock_timeout_ms is not None:
            seconds = my.wait_seconds(lock_timeout_ms)
            out.append(my.set_session("lock_wait_timeout", seconds))
            out.append(my.set_session("innodb_lock_wait_timeout", min(seconds, 1_073_741_824)))
        variable = self.caps.statement_timeout_variable
        if statement_timeout_ms is not None and variable:
            out.append(my.set_session(variable, f"{max(statement_timeout_ms, 0) / 1000:g}"))
        return out

    def _variables(self, names: Sequence[str]) -> list[str]:
        out = []
        if "lock_timeout" in names:
            out += ["lock_wait_timeout", "innodb_lock_wait_timeout"]
        variable = self.caps.statement_timeout_variable
        if "statement_timeout" in names and variable:
            out.append(variable)
        return out

    def reset_statements(self, names: Sequence[str], *, local: bool) -> list[str]:
        return [my.set_session(v, "DEFAULT") for v in self._variables(names)]

    def read_timeouts(self, connection: Connection) -> dict[str, str]:
        query = my.READ_TIMEOUTS_MARIADB if self.name == "mariadb" else my.READ_TIMEOUTS_MYSQL
        row = connection.execute(text(query)).one()
        return {k: str(v) for k, v in row._mapping.items()}

    def restore_timeouts(
        self, connection: Connection, saved: dict[str, str], *, local: bool
    ) -> None:
        for name, value in saved.items():
            connection.exec_driver_sql(
                my.set_session(name, float(value) if "." in value else int(value)),
                execution_options={"no_parameters": True},
            )

    def session_statements(
        self, variables: Sequence[tuple[str, str]]
    ) -> tuple[list[str], list[str]]:
        before = [my.set_session(name, value) for name, value in variables]
        after = [my.set_session(name, "DEFAULT") for name, _ in variables]
        return before, after

    def has_own_lock_timeout(self, connection: Connection, saved: dict[str, str]) -> bool:
        """The session's value differs from the server's (``SET SESSION`` in env.py or an
        init command); a server-wide value is the server's default, not the user's."""
        server = connection.exec_driver_sql("SELECT @@GLOBAL.lock_wait_timeout").scalar()
        return str(saved.get("lock_wait_timeout")) != str(server)

    def is_lock_timeout(self, error: BaseException) -> bool:
        return error_code(error) in (LOCK_WAIT_TIMEOUT, DEADLOCK, LOCK_NOWAIT)

    def translate_error(self, error: BaseException, statement: Statement) -> ZdmError | None:
        code = error_code(error)
        if code is None:
            return None
        message = error_message(error).rstrip(".")
        what = statement.description or "The statement"
        if code in COPY_ONLY:
            return copy_required(statement, self.flavour, message)
        if code in _SCHEMA_ERRORS:
            return SchemaObjectError(f"{what} failed: {message}.")
        if code in _DATA_ERRORS:
            return DataIntegrityError(
                f"{what} failed because existing rows break it: {message}; "
                "fix those rows and run the migration again."
            )
        if code in _STATEMENT_TIMEOUT:
            return ZdmError(
                f"{what} was stopped by its statement timeout; raise the timeout of its "
                "class (see docs/lock-safety.md) or run it at a quieter time."
            )
        return None

    # ---- catalog

    def _params(self, table: str, schema: str | None, **extra: Any) -> dict[str, Any]:
        return {"table": table, "schema": schema, **extra}

    def lock_holders(
        self, connection: Connection, table: str, schema: str | None, lock: LockLevel
    ) -> list[Blocker]:
        from .records import Blocker

        params = self._params(table, schema)
        try:
            rows = self.fetch(connection, my.METADATA_LOCKS, params)
        except Exception:  # performance_schema may be missing or off
            rows = []
        found = [
            Blocker(int(r.pid), r.state, float(r.seconds), r.query, r.mode, bool(r.granted))
            for r in rows
        ]
        if found:
            return found
        holders = self.fetch(connection, my.OPEN_TRANSACTIONS, {})
        sessions = {int(r.pid): r for r in self.fetch(connection, my.SESSIONS, {})}
        waiters = self.fetch(connection, my.WAITING_FOR_MDL, {})
        return [
            Blocker(
                int(r.pid),
                sessions[int(r.pid)].state,
                float(r.seconds or 0),
                r.query or sessions[int(r.pid)].query,
                "an open transaction",
                True,
            )
            for r in holders
            if int(r.pid) in sessions  # a transaction that ended between the two reads
        ] + [
            Blocker(int(r.pid), r.state, float(r.seconds or 0), r.query, "a metadata lock", False)
            for r in waiters
        ]

    def table_exists(self, connection: Connection, table: str, schema: str | None) -> bool:
        return bool(self.fetch(connection, my.TABLE_EXISTS, self._params(table, schema)))

    def column_names(self, connection: Connection, table: str, schema: str | None) -> list[str]:
        return [r.name for r in self.fetch(connection, my.COLUMNS, self._params(table, schema))]

    def index_info(self, connection: Connection, name: str, schema: str | None) -> IndexInfo | None:
        from .records import IndexInfo

        rows = self.fetch(connection, my.INDEX_INFO, {"name": name, "schema": schema})
        if not rows:
            return None
        row = rows[0]
        unique = int(row.non_unique) == 0
        constraints = (name,) if unique and name != "PRIMARY" else ()
        return IndexInfo(name, row.table_name, True, unique, constraints)

    def constraint_info(
        self, connection: Connection, table: str, name: str, schema: str | None
    ) -> ConstraintInfo | None:
        from .records import ConstraintInfo

        rows = self.fetch(connection, my.CONSTRAINT_INFO, self._params(table, schema, name=name))
        if rows:
            return ConstraintInfo(rows[0].name, _CONSTRAINT_TYPES.get(rows[0].type, "x"), True)
        from .. import naming

        trigger = naming.check_trigger(table, name, "ins", "mysql")
        if self.fetch(connection, my.TRIGGER_EXISTS, {"schema": schema, "name": trigger}):
            return ConstraintInfo(name, "c", True)  # enforced by triggers (see ops/dialect_plans)
        return None


def copy_required(statement: Statement, flavour: str, reason: str) -> TableCopyRequiredError:
    """The one-sentence refusal of a change that only a table copy can make."""
    table = statement.table or "<table>"
    clause = alter_clause(statement.sql)
    commands = my.copy_tool_commands(table, statement.schema, clause)
    what = statement.description or "This change"
    return TableCopyRequiredError(
        f"{what} cannot run online on {flavour}: the server would copy the table and block "
        f"writes ({reason}), so alembic-zdm stopped before changing anything; run it with "
        f"gh-ost or pt-online-schema-change instead: {commands[0]} | {commands[1]}",
        commands,
    )


def alter_clause(sql: str) -> str:
    """What follows ``ALTER TABLE t [WAIT n]`` in *sql*, without ``ALGORITHM``/``LOCK``."""
    body = sql
    if body.upper().startswith("ALTER TABLE "):
        body = body.split(" ", 3)[3] if body.count(" ") >= 3 else ""
        if body.upper().startswith("WAIT "):
            body = body.split(" ", 2)[2]
    cut = body.upper().rfind(", ALGORITHM=")
    return body[:cut] if cut >= 0 else body
