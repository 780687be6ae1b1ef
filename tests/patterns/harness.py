"""Drive a pattern op phase by phase on a real database while app writers run."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Connection

from alembic_zdm.ops import register_all
from alembic_zdm.phases.context import PhaseRun, phase_run
from alembic_zdm.phases.model import Phase

register_all()


class TableCheckpoints:
    """A CheckpointStore kept in a small table (stands in for the state table)."""

    def __init__(self, conn: Connection) -> None:
        conn.exec_driver_sql(
            "CREATE TABLE IF NOT EXISTS zdm_test_checkpoints (k text PRIMARY KEY, v text)"
        )

    def load(self, connection: Any, key: str) -> Any | None:
        row = connection.execute(
            text("SELECT v FROM zdm_test_checkpoints WHERE k = :k"), {"k": key}
        ).first()
        return json.loads(row[0]) if row and row[0] else None

    def save(self, connection: Any, key: str, value: Any) -> None:
        connection.execute(
            text(
                "INSERT INTO zdm_test_checkpoints (k, v) VALUES (:k, :v) "
                "ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v"
            ),
            {"k": key, "v": json.dumps(value)},
        )


class Migration:
    """One connection + MigrationContext; runs phases the way the runner will."""

    def __init__(self, url: str, **settings: Any) -> None:
        self.engine = create_engine(url)
        self.conn = self.engine.connect()
        with self.conn.begin():
            self.store = TableCheckpoints(self.conn)
        self.ctx = MigrationContext.configure(self.conn)
        if settings:
            from alembic_zdm.config import ZdmSettings

            self.ctx._zdm_settings = ZdmSettings(**settings)  # type: ignore[attr-defined]
        self.op = Operations(self.ctx)

    def expand(self, call: Callable[[Operations], None]) -> None:
        """Run the revision's expand(): the op itself, in the expand phase."""
        with phase_run(PhaseRun(Phase.EXPAND, revision="test", checkpoints=self.store)):
            with self.ctx.begin_transaction():
                call(self.op)

    def phase(self, operation: Any, phase: Phase, undo: bool = False) -> None:
        """Run ``operation.run_phase`` as the runner does for later phases and undos."""
        run = PhaseRun(phase, undo=undo, revision="test", checkpoints=self.store)
        with phase_run(run), self.ctx.begin_transaction():
            operation.run_phase(self.op, phase, undo)

    def sql(self, statement: str, **params: Any) -> list[Any]:
        with self.engine.connect() as c:
            result = c.execute(text(statement), params)
            rows = list(result) if result.returns_rows else []
            c.commit()
            return rows

    def columns(self, table: str) -> dict[str, str]:
        with self.engine.connect() as c:
            return {col["name"]: str(col["type"]) for col in inspect(c).get_columns(table)}

    def close(self) -> None:
        self.conn.close()
        self.engine.dispose()


class Writer(threading.Thread):
    """Keeps inserting and updating through one app version's SQL until stopped.

    *insert(conn, n)* returns the new row's id; *update(conn, id, n)* rewrites it.
    Each writer remembers the last value it gave each row it touched:
    ``expected[id] = n``.
    """

    def __init__(
        self,
        url: str,
        insert: Callable[[Connection, int], int],
        update: Callable[[Connection, int, int], None],
        own_ids: list[int],
        name: str,
    ) -> None:
        super().__init__(name=name, daemon=True)
        self.engine = create_engine(url, isolation_level="AUTOCOMMIT")
        self.insert, self.update = insert, update
        self.ids = list(own_ids)
        self.expected: dict[int, int] = {}
        self.errors: list[str] = []
        self.ops = 0
        self.max_latency = 0.0
        self._stop_event = threading.Event()
        self._n = 0

    def run(self) -> None:
        with self.engine.connect() as conn:
            while not self._stop_event.is_set():
                self._n += 1
                n = self._n + (0 if self.name == "old" else 1_000_000)
                started = time.monotonic()
                try:
                    if n % 2 == 0 or not self.ids:
                        new_id = self.insert(conn, n)
                        self.ids.append(new_id)
                        self.expected[new_id] = n
                    else:
                        row_id = self.ids[n % len(self.ids)]
                        self.update(conn, row_id, n)
                        self.expected[row_id] = n
                    self.ops += 1
                except Exception as exc:
                    self.errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0]}")
                self.max_latency = max(self.max_latency, time.monotonic() - started)
                time.sleep(0.002)
        self.engine.dispose()

    def advance(self, n: int = 25, timeout: float = 20.0) -> None:
        """Wait until this writer has done *n* more statements (each phase sees traffic)."""
        target, deadline = self.ops + n, time.monotonic() + timeout
        while self.ops < target and time.monotonic() < deadline and not self.errors:
            time.sleep(0.01)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(10)


@contextmanager
def writing(writer: Writer) -> Iterator[Writer]:
    writer.start()
    try:
        yield writer
    finally:
        writer.stop()
