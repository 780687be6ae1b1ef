"""Follows every statement of a traced run through SQLAlchemy's engine events.

The recorder listens on every :class:`~sqlalchemy.engine.Engine` of the process (the
user's env.py creates its own), attributes statements to the phase step that runs
them (the runner's ``step:start`` / ``step:complete`` events), leaves the runner's own
bookkeeping out, and asks the database's probe what each statement locked and did.
A statement sent to any database other than the scratch one stops the run: a trace
must never touch a real database.
"""

from __future__ import annotations

import re
import time
from typing import Any, Protocol

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

from ..errors import ZdmError
from ..events import Event
from .model import TracedStatement, TracedStep


class TraceTargetError(ZdmError):
    """The traced run reached a database other than the scratch one."""


class Probe(Protocol):
    """What one database can tell about a statement (see ``trace/postgresql.py``)."""

    def before(self, dbapi_conn: Any, sql: str) -> Any:
        """Snapshot taken right before the statement runs."""

    def after(
        self, dbapi_conn: Any, sql: str, snapshot: Any, started: float, cursor: Any
    ) -> TracedStatement:
        """What the statement did, given the snapshot taken before it."""

    def transaction_ended(self, dbapi_conn: Any) -> None:
        """The connection's transaction committed or rolled back: close its held locks."""

    def sync(self, dbapi_conn: Any) -> None:
        """Called after a statement that is not traced (e.g. ``COMMIT``)."""

    def close(self) -> None:
        """Release the probe's own connections."""


_BOOKKEEPING = re.compile(
    r"^\s*(set|show|reset|begin|commit|rollback|savepoint|release|start\s+transaction|"
    r"select\s+(pg_|get_lock|release_lock|is_used_lock|@@|version\(|current_|database\())",
    re.I,
)
_CATALOG = re.compile(
    r"\b(pg_catalog|information_schema|pg_class|pg_index|pg_stat|pg_locks|"
    r"pg_namespace|pg_attribute|pg_constraint|pg_trigger|pg_proc|sqlite_master|"
    r"pragma)\b",
    re.I,
)


class Recorder:
    """Install with :meth:`install`; read :attr:`steps` after the run."""

    def __init__(self, url: str, probe: Probe, bookkeeping_tables: tuple[str, ...]) -> None:
        parsed = make_url(url)
        self.database = parsed.database
        self.backend = parsed.get_backend_name()
        self.probe = probe
        self.steps: list[TracedStep] = []
        self.current: TracedStep | None = None
        self._bookkeeping = re.compile(
            r"\b(" + "|".join(re.escape(t) for t in bookkeeping_tables) + r")\b", re.I
        )
        self._paths: dict[str, str | None] = {}

    def on_event(self, ev: Event) -> None:
        """Runner events: a step starts or ends."""
        if ev.name == "step:start" and ev.revision and ev.phase:
            self.current = TracedStep(ev.revision, ev.phase, ev.undo, self._paths.get(ev.revision))
            self.steps.append(self.current)
        elif ev.name in ("step:complete", "error"):
            self.current = None

    def set_paths(self, paths: dict[str, str | None]) -> None:
        """Revision id → file, for annotations."""
        self._paths = dict(paths)

    def install(self) -> None:
        """Start listening on every engine."""
        event.listen(Engine, "before_cursor_execute", self._before)
        event.listen(Engine, "after_cursor_execute", self._after)
        event.listen(Engine, "commit", self._ended)
        event.listen(Engine, "rollback", self._ended)

    def uninstall(self) -> None:
        """Stop listening and close the probe."""
        event.remove(Engine, "before_cursor_execute", self._before)
        event.remove(Engine, "after_cursor_execute", self._after)
        event.remove(Engine, "commit", self._ended)
        event.remove(Engine, "rollback", self._ended)
        self.probe.close()

    def _traced(self, sql: str) -> bool:
        return not (
            self.current is None
            or _BOOKKEEPING.match(sql)
            or self._bookkeeping.search(sql)
            or (sql.lstrip()[:6].lower() == "select" and _CATALOG.search(sql))
            or (sql.lstrip()[:6].lower() == "pragma")
        )

    def _before(
        self, conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> None:
        url = conn.engine.url
        if url.get_backend_name() != self.backend or url.database != self.database:
            raise TraceTargetError(
                f"The traced run connected to database {url.database!r} instead of the scratch "
                f"database {self.database!r}; make env.py read the URL from the Alembic config "
                "(config.get_main_option('sqlalchemy.url')) so trace can point it elsewhere."
            )
        if not self._traced(statement):
            return
        dbapi_conn = cursor.connection
        try:
            snapshot = self.probe.before(dbapi_conn, statement)
        except Exception:  # the probe must never fail the migration's statement
            return
        conn.info["zdm_trace"] = (snapshot, time.perf_counter())

    def _after(
        self, conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> None:
        pending = conn.info.pop("zdm_trace", None)
        dbapi_conn = cursor.connection
        if pending is None or self.current is None:
            self.probe.sync(dbapi_conn)
            return
        snapshot, started = pending
        try:
            traced = self.probe.after(dbapi_conn, statement, snapshot, started, cursor)
        except Exception as exc:  # the probe must never fail the migration's statement
            duration = (time.perf_counter() - started) * 1000
            traced = TracedStatement(statement.strip(), duration, in_transaction=True)
            traced.note = (
                f"not probed: {str(exc).strip().splitlines()[0] if str(exc).strip() else exc!r}"
            )
        self.current.statements.append(traced)

    def _ended(self, conn: Any) -> None:
        try:
            dbapi_conn = conn.connection.dbapi_connection
        except Exception:
            return
        if dbapi_conn is not None:
            self.probe.transaction_ended(dbapi_conn)
