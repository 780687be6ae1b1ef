"""Threads for lock-queue tests: a writer that measures how long each insert waited, and a
holder that keeps a table locked by an idle transaction."""

from __future__ import annotations

import threading
import time

import sqlalchemy as sa


class Writer(threading.Thread):
    """Inserts into *table* in autocommit mode until stopped; records latencies and errors."""

    def __init__(self, url: str, insert_sql: str) -> None:
        super().__init__(daemon=True)
        self.engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        self.insert_sql = insert_sql
        self.stop_event = threading.Event()
        self.latencies: list[float] = []
        self.finished: list[float] = []
        self.errors: list[BaseException] = []

    def run(self) -> None:
        with self.engine.connect() as conn:
            while not self.stop_event.is_set():
                started = time.monotonic()
                try:
                    conn.execute(sa.text(self.insert_sql))
                except Exception as exc:  # recorded, asserted by the test
                    self.errors.append(exc)
                self.finished.append(time.monotonic())
                self.latencies.append(self.finished[-1] - started)
                time.sleep(0.005)

    def stop(self) -> None:
        self.stop_event.set()
        self.join(10)
        self.engine.dispose()

    def completed_between(self, start: float, end: float) -> int:
        """How many inserts finished inside ``[start, end]`` (monotonic seconds)."""
        return sum(1 for t in self.finished if start <= t <= end)

    @property
    def max_stall_ms(self) -> float:
        return max(self.latencies) * 1000 if self.latencies else 0.0


_PID_SQL = {"postgresql": "SELECT pg_backend_pid()", "mysql": "SELECT CONNECTION_ID()"}


class Holder(threading.Thread):
    """Opens a transaction that reads *table* and stays idle in it for *seconds*."""

    def __init__(self, url: str, seconds: float, table: str = "orders") -> None:
        super().__init__(daemon=True)
        self.engine = sa.create_engine(url)
        self.seconds = seconds
        self.table = table
        self.ready = threading.Event()
        self.pid = 0
        self.releasing_at = float("inf")
        """When it started to commit (``time.monotonic``)."""

    def run(self) -> None:
        with self.engine.connect() as conn:
            self.pid = conn.execute(sa.text(_PID_SQL[conn.dialect.name])).scalar_one()
            conn.execute(sa.text(f"SELECT count(*) FROM {self.table}"))
            self.ready.set()
            time.sleep(self.seconds)
            self.releasing_at = time.monotonic()
            conn.commit()
        self.engine.dispose()


WATCH_SQL = """
SELECT l.relation::regclass::text AS rel, l.mode, l.granted
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'relation' AND a.application_name = :app
  AND l.relation IN (SELECT oid FROM pg_class WHERE relname = ANY(:tables))
"""


class LockWatcher(threading.Thread):
    """From a session of its own, records the table locks of the sessions named *app*.

    Each sample is ``{table: [(mode, granted), …]}`` at one moment: what the
    migration's backend (found by its ``application_name``) holds and waits for.
    """

    def __init__(self, url: str, app: str, tables: list[str], interval: float = 0.005) -> None:
        super().__init__(daemon=True)
        self.engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        self.app = app
        self.tables = tables
        self.interval = interval
        self.stop_event = threading.Event()
        self.samples: list[dict[str, list[tuple[str, bool]]]] = []
        self.times: list[float] = []
        """When each sample was taken (``time.monotonic``)."""

    def run(self) -> None:
        with self.engine.connect() as conn:
            while not self.stop_event.is_set():
                rows = conn.execute(sa.text(WATCH_SQL), {"app": self.app, "tables": self.tables})
                sample: dict[str, list[tuple[str, bool]]] = {}
                for row in rows:
                    sample.setdefault(row.rel, []).append((row.mode, row.granted))
                self.samples.append(sample)
                self.times.append(time.monotonic())
                time.sleep(self.interval)

    def stop(self) -> None:
        self.stop_event.set()
        self.join(10)
        self.engine.dispose()

    def waiting_on(
        self, table: str, until: float | None = None
    ) -> list[dict[str, list[tuple[str, bool]]]]:
        """Samples (taken before *until*) in which the watched session waited on *table*."""
        return [
            s
            for s, t in zip(self.samples, self.times, strict=True)
            if (until is None or t < until) and any(not g for _, g in s.get(table, []))
        ]
