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
        self.errors: list[BaseException] = []

    def run(self) -> None:
        with self.engine.connect() as conn:
            while not self.stop_event.is_set():
                started = time.monotonic()
                try:
                    conn.execute(sa.text(self.insert_sql))
                except Exception as exc:  # recorded, asserted by the test
                    self.errors.append(exc)
                self.latencies.append(time.monotonic() - started)
                time.sleep(0.005)

    def stop(self) -> None:
        self.stop_event.set()
        self.join(10)
        self.engine.dispose()

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

    def run(self) -> None:
        with self.engine.connect() as conn:
            self.pid = conn.execute(sa.text(_PID_SQL[conn.dialect.name])).scalar_one()
            conn.execute(sa.text(f"SELECT count(*) FROM {self.table}"))
            self.ready.set()
            time.sleep(self.seconds)
            conn.commit()
        self.engine.dispose()
