"""The pattern-test harness (``tests/patterns/harness.py``) on MySQL/MariaDB and SQLite.

Only the checkpoint table differs: it is written with portable SQL (no ``ON CONFLICT``,
no ``text`` primary key), so the same harness drives every database.
"""

from __future__ import annotations

import json
from typing import Any

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection

from tests.patterns import harness as base

Writer = base.Writer
writing = base.writing


class PortableCheckpoints:
    """A CheckpointStore in a small table, with SQL every database understands."""

    def __init__(self, conn: Connection) -> None:
        conn.exec_driver_sql(
            "CREATE TABLE IF NOT EXISTS zdm_test_checkpoints (k varchar(200) PRIMARY KEY, v text)"
        )

    def load(self, connection: Any, key: str) -> Any | None:
        row = connection.execute(
            text("SELECT v FROM zdm_test_checkpoints WHERE k = :k"), {"k": key}
        ).first()
        return json.loads(row[0]) if row and row[0] else None

    def save(self, connection: Any, key: str, value: Any) -> None:
        connection.execute(text("DELETE FROM zdm_test_checkpoints WHERE k = :k"), {"k": key})
        connection.execute(
            text("INSERT INTO zdm_test_checkpoints (k, v) VALUES (:k, :v)"),
            {"k": key, "v": json.dumps(value)},
        )


class Migration(base.Migration):
    """:class:`tests.patterns.harness.Migration` with :class:`PortableCheckpoints`."""

    def __init__(self, url: str, **settings: Any) -> None:
        self.engine = create_engine(url)
        self.conn = self.engine.connect()
        with self.conn.begin():
            self.store = PortableCheckpoints(self.conn)  # type: ignore[assignment]
        self.ctx = MigrationContext.configure(self.conn)
        if settings:
            from alembic_zdm.config import ZdmSettings

            self.ctx._zdm_settings = ZdmSettings(**settings)  # type: ignore[attr-defined]
        self.op = Operations(self.ctx)

    def _commit(self) -> None:
        # MySQL and SQLite have no Alembic-managed transaction here (their DDL is not
        # transactional for Alembic): commit what the phase left open, as env.py does.
        if self.conn.in_transaction():
            self.conn.commit()

    def expand(self, call: Any) -> None:
        """The revision's expand(), then commit."""
        super().expand(call)
        self._commit()

    def phase(self, operation: Any, phase: Any, undo: bool = False) -> None:
        """One later phase (or undo), then commit."""
        super().phase(operation, phase, undo)
        self._commit()
