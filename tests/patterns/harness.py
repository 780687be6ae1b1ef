"""Drive a pattern op phase by phase on a real database while app writers run."""

from __future__ import annotations

import json
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
from alembic_zdm.testing.load import AppWriter, running

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


def Writer(
    url: str,
    insert: Callable[[Connection, int], int],
    update: Callable[[Connection, int, int], None],
    own_ids: list[int],
    name: str,
) -> AppWriter:
    """An :class:`~alembic_zdm.testing.load.AppWriter` driving one app version's SQL.

    *insert(conn, n)* returns the new row's id; *update(conn, id, n)* rewrites it. The
    *n* of each write is ``expected[id]["n"]`` (new-app values are offset by 10⁶).
    """
    offset = 0 if name == "old" else 1_000_000
    return AppWriter(
        url, "t", {"n": lambda i: i + offset}, name=name, rows=own_ids, read=False,
        insert=lambda conn, v: insert(conn, v["n"]),
        update=lambda conn, key, v: update(conn, key, v["n"]),
    )  # fmt: skip


@contextmanager
def writing(writer: AppWriter) -> Iterator[AppWriter]:
    with running(writer):
        yield writer
