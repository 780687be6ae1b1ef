"""A writer thread that keeps inserting, measuring how long each statement waited."""

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
