"""The interface every database module implements (see ``dialects/postgresql.py``)."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy.engine import Connection, Dialect

from ..config import ZdmSettings
from ..errors import UnsupportedDialectError, ZdmError
from ..sql.levels import LockLevel, TimeoutClass
from ..sql.quoting import Quoter, rendering_dialect
from .capabilities import Capabilities, profile

if TYPE_CHECKING:
    from ..sql.statement import BatchAlter, Statement
    from .records import Blocker, ConstraintInfo, IndexInfo


class DialectSupport:
    """Capabilities and executor hooks of one database; subclass per ``dialect.name``.

    :param dialect: the SQLAlchemy dialect.
    :param server_version: the server version, when known (``None`` offline).
    """

    name: str = ""
    """The name plans are registered under (``"mariadb"`` for a MariaDB server even
    when SQLAlchemy's dialect says ``mysql``)."""
    min_version: ClassVar[tuple[int, ...]] = ()
    session_lock_guard: ClassVar[bool] = False
    """DDL is not transactional and the lock timeout is a session setting: the phase
    runner sets it for the whole phase step and restores it afterwards."""
    precise_lock_holders: ClassVar[bool] = False
    """:meth:`lock_holders` names only sessions on the table: the executor may then wait
    for a long transaction to end *before* trying a strong lock, instead of queueing
    the application behind each try."""

    def __init__(self, dialect: Dialect, server_version: tuple[int, ...] | None) -> None:
        self._given_dialect = dialect
        self.server_version = server_version

    # Made on first use: a plain ``upgrade`` asks for the lock-timeout statements only, and
    # the rendering dialect (a copy of SQLAlchemy's with its own identifier preparer)
    # alone costs more than the rest of its guard.
    @functools.cached_property
    def dialect(self) -> Dialect:
        """The dialect statements are rendered with (:func:`~alembic_zdm.sql.quoting.rendering_dialect`)."""
        return rendering_dialect(self._given_dialect)

    @functools.cached_property
    def quoter(self) -> Quoter:
        """Quotes names and literals for this dialect."""
        return Quoter(self.dialect)

    @functools.cached_property
    def caps(self) -> Capabilities:
        """What this server version can do online (:mod:`~alembic_zdm.dialects.capabilities`)."""
        return profile(self.name, self.server_version)

    @property
    def transactional_ddl(self) -> bool:
        """DDL runs inside a transaction (savepoints around each try work)."""
        return self.caps.transactional_ddl

    @property
    def version_text(self) -> str:
        """The server version as ``"15.4"`` (``"unknown"`` offline)."""
        if self.server_version is None:
            return "unknown"
        return ".".join(str(p) for p in self.server_version)

    def require_supported_version(self) -> None:
        """Refuse a server older than :attr:`min_version`."""
        from .capabilities import MIN_VERSIONS

        minimum = MIN_VERSIONS.get(self.name, self.min_version)
        if self.server_version is not None and self.server_version < minimum:
            need = ".".join(str(p) for p in minimum)
            raise UnsupportedDialectError(
                f"{self.name} {self.version_text} is too old for alembic-zdm's safe "
                f"operations; they need {self.name} {need} or newer."
            )

    # ---- timeouts and errors (used by the executor)

    def timeout_statements(
        self, lock_timeout_ms: int | None, statement_timeout_ms: int | None, *, local: bool
    ) -> list[str]:
        """SQL that sets the timeouts (``None``: leave that one as it is)."""
        raise NotImplementedError

    def reset_statements(self, names: Sequence[str], *, local: bool) -> list[str]:
        """SQL that puts the named timeouts back to the session's values (offline scripts)."""
        raise NotImplementedError

    def read_timeouts(self, connection: Connection) -> dict[str, str]:
        """The current values of the timeouts the executor sets."""
        raise NotImplementedError

    def restore_timeouts(
        self, connection: Connection, saved: dict[str, str], *, local: bool
    ) -> None:
        """Put back values returned by :meth:`read_timeouts`."""
        raise NotImplementedError

    def is_lock_timeout(self, error: BaseException) -> bool:
        """True for an error that a retry may cure (lock timeout, deadlock)."""
        raise NotImplementedError

    def has_own_lock_timeout(self, connection: Connection, saved: dict[str, str]) -> bool:
        """True when the session's lock timeout (*saved*: from :meth:`read_timeouts`) was
        chosen by the user (env.py, connect arguments, a role, the server's settings):
        the guard of plain revisions then keeps it."""
        return False

    def session_settings_stick(self, connection: Connection) -> bool:
        """True when a session-level ``SET`` on *connection* lasts for every later
        transaction on it: a direct connection, not one through a pooler in transaction
        mode, where each transaction may run in another server session. ``False`` when
        it cannot be told (the guard then sets its timeout in every transaction)."""
        return False

    def translate_error(self, error: BaseException, statement: Statement) -> ZdmError | None:
        """A user-facing error for a database error the user can fix, else ``None``."""
        return None

    def check_connection(self, connection: Connection) -> None:
        """Warn (once) about connection setups that defeat the lock policy (poolers)."""

    def write_transactions(
        self, connection: Connection, settings: ZdmSettings
    ) -> contextlib.AbstractContextManager[None]:
        """Inside the block, the transactions *connection* begins are the migration's own
        (they will write): SQLite takes its write lock when they begin. Elsewhere nothing."""
        return contextlib.nullcontext()

    def session_statements(
        self, variables: Sequence[tuple[str, str]]
    ) -> tuple[list[str], list[str]]:
        """SQL that sets *variables* for the session, and SQL that puts them back."""
        raise UnsupportedDialectError(f"{self.name} has no session variables to set.")

    def run_batch(self, operations: Any, batch: BatchAlter) -> None:
        """Apply *batch* through Alembic's ``batch_alter_table`` (table recreation)."""
        with operations.batch_alter_table(batch.table, schema=batch.schema) as b:
            for method, args, kw in batch.calls:
                getattr(b, method)(*args, **dict(kw))

    def backfill_check(self, query: str, message: str) -> Statement:
        """The offline check that a backfill reached every row (*query*: rows that differ)."""
        return self.data_check(query, message)

    def data_check(self, query: str, message: str) -> Statement:
        """One statement that stops the phase with *message* when *query* returns rows."""
        return guard(self.quoter, query, message, kind="data")

    # ---- catalog (online only)

    def lock_holders(
        self, connection: Connection, table: str, schema: str | None, lock: LockLevel
    ) -> list[Blocker]:
        """Other sessions holding or awaiting a lock on *table* that conflicts with *lock*."""
        raise NotImplementedError

    def held_write_locks(self, connection: Connection) -> list[str]:
        """Tables on which this connection's open transaction holds write-blocking locks.

        Empty where DDL commits at once (MySQL/MariaDB) or locks are per database (SQLite).
        """
        return []

    def lock_table_sql(
        self, table: str, schema: str | None, lock: LockLevel, *, nowait: bool
    ) -> str | None:
        """SQL that takes *lock* on *table* (*nowait*: or fails at once); ``None``: no such SQL."""
        return None

    def table_exists(self, connection: Connection, table: str, schema: str | None) -> bool:
        """True when *table* exists."""
        raise NotImplementedError

    def column_names(self, connection: Connection, table: str, schema: str | None) -> list[str]:
        """The columns of *table*, in order (empty when the table does not exist)."""
        raise NotImplementedError

    def index_info(self, connection: Connection, name: str, schema: str | None) -> IndexInfo | None:
        """The index named *name*, or ``None``."""
        raise NotImplementedError

    def constraint_info(
        self, connection: Connection, table: str, name: str, schema: str | None
    ) -> ConstraintInfo | None:
        """The constraint *name* of *table*, or ``None``."""
        raise NotImplementedError

    def drop_invalid_index(self, index: str, schema: str | None) -> Statement | None:
        """The statement that removes a failed concurrent build of *index* (``None``: n/a)."""
        return None

    @staticmethod
    def fetch(connection: Connection, sql: str, params: dict[str, Any]) -> list[Any]:
        """Run a catalog query with bound *params*; return its rows."""
        from sqlalchemy import text

        return list(connection.execute(text(sql), params))


def guard(
    q: Quoter, query: str, message: str, *, kind: str, params: dict[str, object] | None = None
) -> Statement:
    """A :attr:`~Statement.fail_if_rows` check: count *query*'s rows, stop when any.

    ``SELECT count(*) FROM (query) AS zdm_rows HAVING count(*) > 0`` — the executor
    raises *message* with the count; offline the query is printed for the operator.
    """
    # *query* is SQL written by the user (or built by a plan) by design.
    from ..sql.statement import Statement

    sql = f"SELECT count(*) FROM ({query}) AS zdm_rows HAVING count(*) > 0"  # noqa: S608
    return Statement(
        sql,
        timeout_class=TimeoutClass.CONCURRENT,
        fail_if_rows=message,
        fail_kind=kind,
        description=message,
        params=dict(params or {}),
    )


def orphans_query(q: Quoter, op: Any) -> str:
    """Rows of the referencing table whose key has no referenced row (MATCH SIMPLE)."""
    child = q.table(op.source_table, op.source_schema)
    parent = q.table(op.referent_table, op.referent_schema)
    present = " AND ".join(f"zdm_c.{q.name(c)} IS NOT NULL" for c in op.local_cols)
    join = " AND ".join(
        f"zdm_p.{q.name(r)} = zdm_c.{q.name(c)}"
        for c, r in zip(op.local_cols, op.remote_cols, strict=True)
    )
    # Every name above went through the quoter.
    return (
        f"SELECT 1 FROM {child} AS zdm_c WHERE {present} AND NOT EXISTS "  # noqa: S608
        f"(SELECT 1 FROM {parent} AS zdm_p WHERE {join})"
    )
