"""The state table: the only module that writes it (STYLE habit 5).

One row per (revision, phase): status (running / done / failed / partial / rolled_back),
timestamps (microseconds on every database), duration, error text, backfill
checkpoints, host and user, the checksum of the revision file, how many attempts
of the current direction were made, and ``seq``: the position of the latest run in
a counter that only grows (history is sorted by it, so runs within one second keep
their order), and ``progress``: the statements of an unfinished step that committed
(see :mod:`alembic_zdm.phases.progress`). It lives in the same schema as Alembic's
version table, is created on first use, and a table made by an older version is
brought up to date in place.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    and_,
    inspect,
    select,
)
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.types import TypeEngine

from .model import DONE as DONE  # the statuses are read from here too
from .model import FAILED as FAILED
from .model import PARTIAL as PARTIAL
from .model import ROLLED_BACK as ROLLED_BACK
from .model import RUNNING as RUNNING
from .model import UNFINISHED as UNFINISHED
from .model import Phase

KEEP = "keep:"
"""Checkpoint keys with this prefix outlive the phase's completion (its undo reads them)."""


@dataclasses.dataclass(frozen=True)
class StateRow:
    """One (revision, phase) row as read back."""

    revision: str
    phase: Phase
    status: str
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    duration_ms: int | None
    error: str | None
    checkpoint: dict[str, Any]
    host: str | None
    db_user: str | None
    checksum: str | None
    attempts: int
    """Runs of this phase in its current direction (an undo starts counting again)."""
    seq: int | None = None
    """Order of the latest run among all runs (``None`` for rows older than the column)."""
    progress: dict[str, Any] = dataclasses.field(default_factory=dict)
    """Statements of the unfinished step that committed (:mod:`~alembic_zdm.phases.progress`)."""

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (for ``status``/``history --format json``)."""
        data = dataclasses.asdict(self)
        data["phase"] = self.phase.label
        for key in ("started_at", "finished_at"):
            value = data[key]
            data[key] = value.isoformat() if value else None
        return data


def _mysql_datetime() -> TypeEngine[Any]:
    from sqlalchemy.dialects import mysql  # only for MySQL: a plain run imports no other dialect

    return mysql.DATETIME(fsp=6)


class _Timestamp(TypeDecorator[dt.datetime]):
    """Timestamps with microseconds: MySQL's plain DATETIME would drop them."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(_mysql_datetime())
        return dialect.type_descriptor(DateTime(timezone=True))


_TIMESTAMP = _Timestamp()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _who() -> tuple[str, str]:
    import getpass
    import socket

    try:
        user = getpass.getuser()
    except Exception:
        user = "unknown"
    return socket.gethostname()[:255], user[:128]


class StateStore:
    """Reads and writes the state table through a SQLAlchemy connection.

    :param table_name: the table name (setting ``state_table``).
    :param schema: the schema of Alembic's version table (``None`` = default).
    """

    def __init__(self, table_name: str = "alembic_zdm_state", schema: str | None = None) -> None:
        self.name = table_name
        self.schema = schema
        self._present: set[str] | None = None

    @functools.cached_property
    def table(self) -> Table:
        """The table's SQLAlchemy definition (built on first use: a plain run whose
        database has no state table never needs it)."""
        return Table(
            self.name,
            MetaData(),
            Column("revision", String(64), primary_key=True),
            Column("phase", Integer, primary_key=True, autoincrement=False),
            Column("phase_name", String(16), nullable=False),
            Column("status", String(16), nullable=False),
            Column("started_at", _TIMESTAMP),
            Column("finished_at", _TIMESTAMP),
            Column("duration_ms", Integer),
            Column("error", Text),
            Column("checkpoint", Text),
            Column("host", String(255)),
            Column("db_user", String(128)),
            Column("checksum", String(64)),
            Column("attempts", Integer, nullable=False, default=0),
            Column("seq", Integer),
            Column("progress", Text),
            schema=self.schema,
        )

    # -- reading ---------------------------------------------------------------

    def exists(self, conn: Connection) -> bool:
        """True when the state table exists."""
        return inspect(conn).has_table(self.name, schema=self.schema)

    def ensure(self, conn: Connection) -> None:
        """Create the table if it does not exist yet; bring an older one up to date."""
        self.table.create(conn, checkfirst=True)
        self._upgrade(conn)

    def _columns(self, conn: Connection) -> set[str]:
        """The columns the table has in the database (cached)."""
        if self._present is None:
            found = inspect(conn).get_columns(self.table.name, schema=self.table.schema)
            self._present = {c["name"] for c in found}
        return self._present

    def _upgrade(self, conn: Connection) -> None:
        """Add ``seq`` and give MySQL's timestamps their microseconds (tables of 0.1.0)."""
        from alembic.operations import Operations
        from alembic.runtime.migration import MigrationContext

        self._present = None
        found = {
            c["name"]: c
            for c in inspect(conn).get_columns(self.table.name, schema=self.table.schema)
        }
        ops = Operations(MigrationContext.configure(conn))
        name, schema = self.table.name, self.table.schema
        if "seq" not in found:
            ops.add_column(name, Column("seq", Integer), schema=schema)
        if "progress" not in found:
            ops.add_column(name, Column("progress", Text), schema=schema)
        if conn.dialect.name in ("mysql", "mariadb"):
            for column in ("started_at", "finished_at"):
                if not getattr(found[column]["type"], "fsp", None):
                    ops.alter_column(
                        name, column, type_=_mysql_datetime(), existing_nullable=True,
                        schema=schema,
                    )  # fmt: skip
        self._present = None

    def rows(self, conn: Connection, revisions: Iterable[str] | None = None) -> list[StateRow]:
        """All rows (or those of *revisions*), ordered by start time."""
        if not self.exists(conn):
            return []
        return self.rows_of_existing(conn, revisions)

    def rows_of_existing(
        self, conn: Connection, revisions: Iterable[str] | None = None
    ) -> list[StateRow]:
        """:meth:`rows` for a caller that has just seen the table exist (one catalog
        query fewer)."""
        present = self._columns(conn)
        query = select(*[c for c in self.table.c if c.name in present])
        if revisions is not None:
            wanted = list(revisions)
            if not wanted:
                return []
            query = query.where(self.table.c.revision.in_(wanted))
        c = self.table.c
        order: list[Any] = [c.started_at, c.revision, c.phase]
        if "seq" in present:  # rows older than the column first, then in run order
            order = [c.seq.is_(None).desc(), c.seq, *order]
        query = query.order_by(*order)
        return [self._row(r._mapping) for r in conn.execute(query)]

    def by_key(self, conn: Connection) -> dict[tuple[str, Phase], StateRow]:
        """Rows keyed by (revision, phase)."""
        return {(r.revision, r.phase): r for r in self.rows(conn)}

    @staticmethod
    def _row(m: Any) -> StateRow:
        try:
            checkpoint = json.loads(m["checkpoint"]) if m["checkpoint"] else {}
        except ValueError:
            checkpoint = {}
        return StateRow(
            revision=m["revision"],
            phase=Phase(m["phase"]),
            status=m["status"],
            started_at=m["started_at"],
            finished_at=m["finished_at"],
            duration_ms=m["duration_ms"],
            error=m["error"],
            checkpoint=checkpoint,
            host=m["host"],
            db_user=m["db_user"],
            checksum=m["checksum"],
            attempts=m["attempts"] or 0,
            seq=m.get("seq"),
            progress=_json(m.get("progress")),
        )

    # -- writing ---------------------------------------------------------------

    def _key(self, revision: str, phase: Phase) -> Any:
        return and_(self.table.c.revision == revision, self.table.c.phase == int(phase))

    def _next_seq(self, conn: Connection) -> dict[str, Any]:
        """``{"seq": n}`` with the next value of the run counter (``{}`` on an old table)."""
        if "seq" not in self._columns(conn):
            return {}
        from sqlalchemy import func

        top = conn.execute(select(func.max(self.table.c.seq))).scalar()
        return {"seq": int(top or 0) + 1}

    def mark_running(
        self, conn: Connection, revision: str, phase: Phase, checksum: str, undo: bool = False
    ) -> None:
        """Record that *phase* of *revision* starts now (keeps an earlier checkpoint).

        ``attempts`` counts the runs of the current direction: it starts again at 1
        when an undo follows a completed phase, or a run follows its undo.
        """
        host, user = _who()
        values = {
            "status": RUNNING,
            "started_at": _now(),
            "finished_at": None,
            "duration_ms": None,
            "error": None,
            "host": host,
            "db_user": user,
            "checksum": checksum,
            **self._next_seq(conn),
        }
        if undo and "progress" in self._columns(conn):
            # an undo says so from its start, committed with this row: on PostgreSQL a
            # kill before its first statement commits rolls its progress back, and an
            # in-flight revision's phase "running" without a record of an undo would
            # look like a forward attempt that changed nothing, not to be undone again
            if not self.load_progress(conn, revision, phase).get("undo"):
                values["progress"] = json.dumps({"undo": True, "done": [], "doing": None})
        existing = conn.execute(
            select(self.table.c.attempts, self.table.c.status).where(self._key(revision, phase))
        ).first()
        if existing is None:
            conn.execute(
                self.table.insert().values(
                    revision=revision,
                    phase=int(phase),
                    phase_name=phase.label,
                    attempts=1,
                    **values,
                )
            )
        else:
            turned = existing[1] == (DONE if undo else ROLLED_BACK)
            attempts = 1 if turned else (existing[0] or 0) + 1
            conn.execute(
                self.table.update()
                .where(self._key(revision, phase))
                .values(attempts=attempts, **values)
            )

    def finish(
        self,
        conn: Connection,
        revision: str,
        phase: Phase,
        status: str,
        error: str | None = None,
    ) -> None:
        """Set the final *status* of a phase run, with its duration."""
        row = conn.execute(
            select(self.table.c.started_at).where(self._key(revision, phase))
        ).first()
        finished = _now()
        duration = None
        if row is not None and row[0] is not None:
            started = row[0] if row[0].tzinfo else row[0].replace(tzinfo=dt.timezone.utc)
            duration = int((finished - started).total_seconds() * 1000)
        values: dict[str, Any] = {
            "status": status,
            "finished_at": finished,
            "duration_ms": duration,
            "error": error[:4000] if error else None,
        }
        if status == ROLLED_BACK:
            values["checkpoint"] = None
        elif status == DONE:
            values["checkpoint"] = self._kept(conn, revision, phase)
        if status in (DONE, ROLLED_BACK) and "progress" in self._columns(conn):
            values["progress"] = None
        if row is None:
            host, user = _who()
            conn.execute(
                self.table.insert().values(
                    revision=revision,
                    phase=int(phase),
                    phase_name=phase.label,
                    started_at=finished,
                    host=host,
                    db_user=user,
                    attempts=1,
                    **values,
                    **self._next_seq(conn),
                )
            )
        else:
            conn.execute(self.table.update().where(self._key(revision, phase)).values(**values))

    def _kept(self, conn: Connection, revision: str, phase: Phase) -> str | None:
        """The ``keep:`` entries of a phase's checkpoint (facts its undo needs), as JSON."""
        raw = conn.execute(
            select(self.table.c.checkpoint).where(self._key(revision, phase))
        ).scalar()
        kept = {k: v for k, v in (json.loads(raw) if raw else {}).items() if k.startswith(KEEP)}
        return json.dumps(kept) if kept else None

    def status_of(self, conn: Connection, revision: str, phase: Phase) -> str | None:
        """The status of one (revision, phase), or ``None`` when it never ran."""
        if not self.exists(conn):
            return None
        found = conn.execute(select(self.table.c.status).where(self._key(revision, phase))).scalar()
        return str(found) if found is not None else None

    def forget(self, conn: Connection, revision: str) -> None:
        """Delete every row of *revision* (used when a revision is fully downgraded)."""
        conn.execute(self.table.delete().where(self.table.c.revision == revision))

    # -- offline (--sql) ---------------------------------------------------------

    def render_create(self, ctx: Any) -> None:
        """Write ``CREATE TABLE IF NOT EXISTS`` of the state table to the offline script."""
        from sqlalchemy.schema import CreateTable

        ctx.impl._exec(CreateTable(self.table, if_not_exists=True))

    def render_finish(
        self, ctx: Any, revision: str, phase: Phase, status: str, checksum: str
    ) -> None:
        """Write the state row of a phase run to the offline script.

        Applied by hand, the script leaves the same rows the online runner writes, so
        a later online run knows which phases the script already ran.
        """
        from sqlalchemy import func

        table = self.table
        ctx.impl._exec(table.delete().where(self._key(revision, phase)))
        ctx.impl._exec(
            table.insert().values(
                revision=revision,
                phase=int(phase),
                phase_name=phase.label,
                status=status,
                started_at=func.current_timestamp(),
                finished_at=func.current_timestamp(),
                db_user="offline script",
                checksum=checksum,
                attempts=1,
            )
        )

    # -- checkpoints -----------------------------------------------------------

    def load_checkpoint(self, conn: Connection, revision: str, phase: Phase, key: str) -> Any:
        """The checkpoint value saved under *key* for this phase run, or ``None``."""
        row = conn.execute(
            select(self.table.c.checkpoint).where(self._key(revision, phase))
        ).first()
        if row is None or not row[0]:
            return None
        return json.loads(row[0]).get(key)

    def load_checkpoint_all(self, conn: Connection, revision: str, phase: Phase) -> dict[str, Any]:
        """Every checkpoint value of this phase run."""
        raw = conn.execute(
            select(self.table.c.checkpoint).where(self._key(revision, phase))
        ).scalar()
        return _json(raw)

    def save_checkpoint(
        self, conn: Connection, revision: str, phase: Phase, key: str, value: Any
    ) -> None:
        """Save a checkpoint value under *key* for this phase run."""
        row = conn.execute(
            select(self.table.c.checkpoint).where(self._key(revision, phase))
        ).first()
        data = json.loads(row[0]) if row is not None and row[0] else {}
        data[key] = value
        conn.execute(
            self.table.update()
            .where(self._key(revision, phase))
            .values(checkpoint=json.dumps(data, default=str))
        )

    # -- statement progress ----------------------------------------------------

    def load_progress(self, conn: Connection, revision: str, phase: Phase) -> dict[str, Any]:
        """The recorded progress of the step (``{}`` when none)."""
        if "progress" not in self._columns(conn):
            return {}
        raw = conn.execute(select(self.table.c.progress).where(self._key(revision, phase))).scalar()
        return _json(raw)

    def save_progress(
        self, conn: Connection, revision: str, phase: Phase, progress: dict[str, Any] | None
    ) -> None:
        """Record *progress* on *conn*, in whatever transaction *conn* is in (see progress.py)."""
        value = json.dumps(progress, default=str) if progress else None
        conn.execute(self.table.update().where(self._key(revision, phase)).values(progress=value))


def _json(raw: Any) -> dict[str, Any]:
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


@dataclasses.dataclass
class StateCheckpoints:
    """The runner's :class:`~alembic_zdm.phases.context.CheckpointStore` for one phase run."""

    store: StateStore
    revision: str
    phase: Phase

    def load(self, connection: Any, key: str) -> Any | None:
        """Return the value saved under *key*, or ``None``."""
        return self.store.load_checkpoint(connection, self.revision, self.phase, key)

    def save(self, connection: Any, key: str, value: Any) -> None:
        """Save *value* under *key* on *connection* (commits with the caller's batch)."""
        self.store.save_checkpoint(connection, self.revision, self.phase, key, value)


def state_store(ctx: Any, settings: Any) -> StateStore:
    """The state table of the running migration, next to Alembic's version table."""
    return StateStore(settings.state_table, ctx.version_table_schema)
