"""PostgreSQL (12+): capabilities, timeouts, lock diagnostics, catalog look-ups.

Capabilities by server version:

* 12+: ``SET NOT NULL`` skips its table scan when a valid ``CHECK (col IS NOT NULL)``
  exists, so ``set_not_null_safe`` adds that check ``NOT VALID`` and validates it first.
* 18+: ``ADD CONSTRAINT … NOT NULL col NOT VALID`` + ``VALIDATE`` natively.

Offline (``--sql``) the server version is unknown unless the dialect was given one;
the plans then use what every supported version has (the 12+ forms).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from ..errors import DataIntegrityError, SchemaObjectError, ZdmError
from ..sql import postgresql as pg
from ..sql.levels import LockLevel, TimeoutClass
from . import register_dialect
from .base import DialectSupport

if TYPE_CHECKING:
    from ..sql.statement import Statement
    from .records import Blocker, ConstraintInfo, IndexInfo

log = logging.getLogger("alembic.zdm")

LOCK_TIMEOUT = "55P03"
DEADLOCK = "40P01"
_DATA_ERRORS = {"23502", "23503", "23505", "23514"}
_SCHEMA_ERRORS = {"42P01", "42703", "42704", "42701", "42710", "42P07"}
_PGBOUNCER_PORT = 6432

_MODE_NAMES = {
    "AccessShareLock": LockLevel.ACCESS_SHARE,
    "RowShareLock": LockLevel.ROW_SHARE,
    "RowExclusiveLock": LockLevel.ROW_EXCLUSIVE,
    "ShareUpdateExclusiveLock": LockLevel.SHARE_UPDATE_EXCLUSIVE,
    "ShareLock": LockLevel.SHARE,
    "ShareRowExclusiveLock": LockLevel.SHARE_ROW_EXCLUSIVE,
    "ExclusiveLock": LockLevel.EXCLUSIVE,
    "AccessExclusiveLock": LockLevel.ACCESS_EXCLUSIVE,
}

_warned_pooler: set[tuple[str, int]] = set()


def sqlstate(error: BaseException) -> str | None:
    """The SQLSTATE of a DBAPI error (psycopg 3 or psycopg2), wrapped or not."""
    orig = getattr(error, "orig", error)
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return str(code) if code else None


def _diag(error: BaseException) -> tuple[str, str]:
    orig = getattr(error, "orig", error)
    diag = getattr(orig, "diag", None)
    primary = getattr(diag, "message_primary", None) or str(orig).strip().splitlines()[0]
    detail = getattr(diag, "message_detail", None) or ""
    return str(primary), str(detail)


@register_dialect("postgresql")
class PostgresSupport(DialectSupport):
    """PostgreSQL support (psycopg 3 or psycopg2)."""

    name = "postgresql"
    min_version = (12,)
    precise_lock_holders = True

    @property
    def native_not_null_not_valid(self) -> bool:
        """``ADD CONSTRAINT … NOT NULL col NOT VALID`` exists (PostgreSQL 18+)."""
        return self.server_version is not None and self.server_version >= (18,)

    # ---- timeouts and errors

    def timeout_statements(
        self, lock_timeout_ms: int | None, statement_timeout_ms: int | None, *, local: bool
    ) -> list[str]:
        out = []
        if lock_timeout_ms is not None:
            out.append(pg.set_timeout("lock_timeout", lock_timeout_ms, local=local))
        if statement_timeout_ms is not None:
            out.append(pg.set_timeout("statement_timeout", statement_timeout_ms, local=local))
        return out

    def reset_statements(self, names: Sequence[str], *, local: bool) -> list[str]:
        return [pg.reset_timeout(n, local=local) for n in names]

    def read_timeouts(self, connection: Connection) -> dict[str, str]:
        row = connection.execute(text(pg.READ_TIMEOUTS)).one()
        return {"lock_timeout": row.lock_timeout, "statement_timeout": row.statement_timeout}

    def restore_timeouts(
        self, connection: Connection, saved: dict[str, str], *, local: bool
    ) -> None:
        connection.execute(text(pg.SET_TIMEOUTS), {**saved, "is_local": local})

    def is_lock_timeout(self, error: BaseException) -> bool:
        return sqlstate(error) in (LOCK_TIMEOUT, DEADLOCK)

    def has_own_lock_timeout(self, connection: Connection, saved: dict[str, str]) -> bool:
        return saved.get("lock_timeout", "0") not in ("0", "")

    def translate_error(self, error: BaseException, statement: Statement) -> ZdmError | None:
        code = sqlstate(error)
        primary, detail = _diag(error)
        if code == pg.SCHEMA_ERRCODE:
            return SchemaObjectError(primary)
        if code == pg.DATA_ERRCODE:
            return DataIntegrityError(primary)
        what = statement.description or "The statement"
        extra = f" ({detail.rstrip('.')})" if detail else ""
        if code in _DATA_ERRORS:
            return DataIntegrityError(
                f"{what} failed because existing rows break it: {primary}{extra}; "
                "fix those rows and run the migration again."
            )
        if code in _SCHEMA_ERRORS:
            return SchemaObjectError(f"{what} failed: {primary}{extra}.")
        if code == "57014" and statement.timeout_class is not TimeoutClass.NONE:
            return ZdmError(
                f"{what} was cancelled by its statement timeout; raise the timeout of its "
                "class (see docs/lock-safety.md) or run it at a quieter time."
            )
        return None

    def session_settings_stick(self, connection: Connection) -> bool:
        """The server sees this session on the very address and port the client dialled
        (not PgBouncer's 6432): nothing sits in between that could hand the next
        transaction to another server session. A unix socket counts when the server
        sees no address and the socket's port is the server's own."""
        info: Any = getattr(connection.connection.dbapi_connection, "info", None)
        port = getattr(info, "port", None)
        if port is None or int(port) == _PGBOUNCER_PORT:
            return False
        address, server_port, own_port = connection.execute(text(pg.SERVER_ENDPOINT)).one()
        host = str(getattr(info, "host", "") or "")
        if host.startswith("/"):
            return address is None and int(own_port) == int(port)
        hostaddr = str(getattr(info, "hostaddr", "") or "")
        return bool(hostaddr) and address == hostaddr and server_port == int(port)

    def check_connection(self, connection: Connection) -> None:
        """Warn once per server when the connection seems to go through a pooler.

        Heuristic: the client connected to port 6432 (PgBouncer's default), or to a
        port other than the one the server itself listens on (``current_setting('port')``),
        which means something sits in between. ``SHOW pool_mode`` only works on
        PgBouncer's admin console, so it cannot be asked on this connection.
        """
        dbapi: Any = connection.connection.dbapi_connection
        host, port = _client_address(dbapi)
        if port is None or (host, port) in _warned_pooler:
            return
        server_port = int(connection.execute(text("SELECT current_setting('port')")).scalar_one())
        if port != _PGBOUNCER_PORT and port == server_port:
            return
        _warned_pooler.add((host, port))
        log.warning(
            "The migration connection to %s:%s looks like it goes through a connection "
            "pooler (server port %s); alembic-zdm keeps its timeouts in SET LOCAL, but "
            "CONCURRENTLY statements and the runner's advisory lock need a session, so "
            "run migrations over a direct or session-mode connection.",
            host,
            port,
            server_port,
        )

    def backfill_check(self, query: str, message: str) -> Statement:
        from ..sql.statement import Statement

        return Statement(
            pg.raise_if_rows(self.quoter, query, message, pg.DATA_ERRCODE),
            timeout_class=TimeoutClass.NONE,
        )

    def data_check(self, query: str, message: str) -> Statement:
        from ..sql.statement import Statement

        return Statement(
            pg.raise_if_rows(self.quoter, query, message, pg.DATA_ERRCODE),
            timeout_class=TimeoutClass.CONCURRENT,
            description="Data integrity check",
        )

    # ---- catalog

    def lock_holders(
        self, connection: Connection, table: str, schema: str | None, lock: LockLevel
    ) -> list[Blocker]:
        from .records import Blocker

        # pg_stat_activity is read once per transaction and then cached: drop that copy,
        # or a migration in a long transaction would see every session as it was then.
        self.fetch(connection, "SELECT pg_stat_clear_snapshot()", {})
        rows = self.fetch(connection, pg.LOCK_HOLDERS, {"rel": self.quoter.table(table, schema)})
        found = []
        for row in rows:
            held = _MODE_NAMES.get(row.mode)
            if held is not None and not lock.conflicts_with(held):
                continue
            found.append(
                Blocker(
                    row.pid,
                    row.state,
                    float(row.seconds),
                    row.query,
                    row.mode,
                    row.granted,
                    tuple(row.blocked_by or ()),
                )
            )
        return found

    def held_write_locks(self, connection: Connection) -> list[str]:
        return [row.rel for row in self.fetch(connection, pg.OWN_WRITE_BLOCKING_LOCKS, {})]

    def lock_table_sql(
        self, table: str, schema: str | None, lock: LockLevel, *, nowait: bool
    ) -> str | None:
        if lock is LockLevel.NONE:
            return None
        return pg.lock_table(self.quoter, table, lock.value, schema=schema, nowait=nowait)

    def table_exists(self, connection: Connection, table: str, schema: str | None) -> bool:
        rel = self.quoter.table(table, schema)
        return bool(self.fetch(connection, pg.TABLE_EXISTS, {"rel": rel}))

    def column_names(self, connection: Connection, table: str, schema: str | None) -> list[str]:
        rel = self.quoter.table(table, schema)
        return [row.name for row in self.fetch(connection, pg.COLUMNS, {"rel": rel})]

    def index_info(self, connection: Connection, name: str, schema: str | None) -> IndexInfo | None:
        from .records import IndexInfo

        rows = self.fetch(connection, pg.INDEX_INFO, {"rel": self.quoter.table(name, schema)})
        if not rows:
            return None
        row = rows[0]
        return IndexInfo(
            name=name,
            table=row.bare_table,
            valid=row.valid,
            unique=row.is_unique,
            constraints=tuple(row.constraints),
        )

    def constraint_info(
        self, connection: Connection, table: str, name: str, schema: str | None
    ) -> ConstraintInfo | None:
        from .records import ConstraintInfo

        params = {"rel": self.quoter.table(table, schema), "name": name}
        rows = self.fetch(connection, pg.CONSTRAINT_INFO, params)
        if not rows:
            return None
        return ConstraintInfo(rows[0].name, rows[0].type, rows[0].validated)

    def drop_invalid_index(self, index: str, schema: str | None) -> Statement:
        from ..sql.statement import Statement

        return Statement(
            sql=pg.drop_index(self.quoter, index, schema=schema),
            lock=LockLevel.SHARE_UPDATE_EXCLUSIVE,
            timeout_class=TimeoutClass.CONCURRENT,
            autocommit=True,
            schema=schema,
            description=f"Drop the INVALID index {index!r} left by a failed build",
        )


def _client_address(dbapi: Any) -> tuple[str, int | None]:
    info = getattr(dbapi, "info", None)
    if info is not None and hasattr(info, "port"):
        return str(info.host), int(info.port)
    params = getattr(dbapi, "get_dsn_parameters", None)
    if params is not None:
        dsn = params()
        port = dsn.get("port")
        return str(dsn.get("host", "")), int(port) if port else None
    return "", None
