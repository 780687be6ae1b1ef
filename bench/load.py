"""The application load: N autocommit clients running a mixed workload, every statement timed.

Each client is a thread with its own psycopg 3 connection. It runs point reads,
updates and inserts on the ``items`` table at a paced rate (not a closed loop, so the
load leaves CPU to the migration as a real application would) and records, for every
statement, its start on the shared monotonic clock, its latency and its SQLSTATE if it
failed. A stalled statement delays its client's next ones (no burst to catch up), so a
stall shows as one long sample per client, never as many.

:class:`LoadProcess` runs the clients in a child interpreter (:class:`LoadWorker`), so that the migration
driven from the benchmark's own process does not share an interpreter lock with them;
its samples use the same clock (``time.monotonic`` is system-wide on Linux).
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psycopg

from bench.database import conninfo

READ = "read"
UPDATE = "update"
INSERT = "insert"

_ROOT = str(Path(__file__).resolve().parents[1])

DISCONNECTED = "08006"
"""SQLSTATE recorded when the connection itself failed (psycopg gives none)."""

STATEMENTS: dict[str, str] = {
    READ: "SELECT id, account_id, qty, payload FROM items WHERE id = %s",
    UPDATE: "UPDATE items SET qty = qty + 1, updated_at = now() WHERE id = %s",
    INSERT: "INSERT INTO items (account_id, qty, payload) VALUES (%s, %s, %s)",
}
DEFAULT_MIX: dict[str, float] = {READ: 0.6, UPDATE: 0.2, INSERT: 0.2}


@dataclasses.dataclass(frozen=True)
class Sample:
    """One application statement.

    :param start: when it was sent, on the ``time.monotonic`` clock (seconds).
    :param latency: how long until its result (or error) came back (seconds).
    :param kind: ``read``, ``update`` or ``insert``.
    :param sqlstate: ``None`` when it succeeded, else the SQLSTATE of its error.
    """

    start: float
    latency: float
    kind: str
    sqlstate: str | None = None

    @property
    def end(self) -> float:
        """When its result came back."""
        return self.start + self.latency


@dataclasses.dataclass(frozen=True)
class LoadSpec:
    """What the application does.

    :param url: the database.
    :param rows: ids ``1..rows`` exist; reads and updates pick one at random.
    :param clients: connections, one thread each.
    :param rate_per_client: statements per second per client.
    :param statement_timeout_ms: the application's statement timeout.
    :param mix: share of each statement kind.
    """

    url: str
    rows: int
    clients: int = 8
    rate_per_client: float = 50.0
    statement_timeout_ms: int = 60_000
    mix: dict[str, float] = dataclasses.field(default_factory=lambda: dict(DEFAULT_MIX))


class _Client(threading.Thread):
    def __init__(self, spec: LoadSpec, number: int, stop: threading.Event) -> None:
        super().__init__(name=f"bench-client-{number}", daemon=True)
        self.spec = spec
        self.stop_event = stop
        self.samples: list[Sample] = []
        self.ready = threading.Event()
        self.failure: BaseException | None = None
        self.rng = random.Random(number)
        self.kinds = list(spec.mix)
        self.weights = [spec.mix[k] for k in self.kinds]

    def _connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(
            conninfo(self.spec.url),
            autocommit=True,
            options=f"-c statement_timeout={self.spec.statement_timeout_ms}",
            application_name="bench-app",
        )

    def _params(self, kind: str) -> tuple[object, ...]:
        if kind == INSERT:
            return (self.rng.randint(1, 1000), self.rng.randint(0, 99), "app insert")
        return (self.rng.randint(1, self.spec.rows),)

    def run(self) -> None:
        try:
            conn: psycopg.Connection[Any] | None = self._connect()
        except BaseException as exc:
            self.failure = exc
            self.ready.set()
            return
        self.ready.set()
        interval = 1.0 / self.spec.rate_per_client
        next_at = time.monotonic() + self.rng.random() * interval
        while not self.stop_event.is_set():
            delay = next_at - time.monotonic()
            if delay > 0 and self.stop_event.wait(delay):
                break
            kind = self.rng.choices(self.kinds, self.weights)[0]
            params = self._params(kind)
            started = time.monotonic()
            sqlstate: str | None = None
            try:
                if conn is None:
                    conn = self._connect()
                cursor = conn.execute(STATEMENTS[kind], params)
                if kind == READ:
                    cursor.fetchall()
            except psycopg.Error as exc:
                sqlstate = exc.sqlstate or DISCONNECTED
                if conn is not None and conn.closed:
                    conn = None
            self.samples.append(Sample(started, time.monotonic() - started, kind, sqlstate))
            next_at = max(next_at + interval, time.monotonic())
        if conn is not None:
            conn.close()


class LoadGenerator:
    """Runs the application clients as threads of this process."""

    def __init__(self, spec: LoadSpec) -> None:
        self.spec = spec
        self._stop = threading.Event()
        self._clients = [_Client(spec, n, self._stop) for n in range(spec.clients)]

    def start(self) -> None:
        """Connect every client and start the load; returns once all are connected."""
        for client in self._clients:
            client.start()
        for client in self._clients:
            client.ready.wait()
        failed = [c.failure for c in self._clients if c.failure is not None]
        if failed:
            self.stop()
            raise RuntimeError(f"an application client could not connect: {failed[0]}")

    def stop(self) -> list[Sample]:
        """Stop the load (each client finishes its statement) and return every sample."""
        self._stop.set()
        for client in self._clients:
            client.join()
        samples = [s for c in self._clients for s in c.samples]
        samples.sort(key=lambda s: s.start)
        return samples


def _serve() -> None:
    """Child side of :class:`LoadWorker`: for each spec line, ``ready``, then on ``stop`` the samples."""
    for line in sys.stdin:
        if not line.strip():
            break
        generator = LoadGenerator(LoadSpec(**json.loads(line)))
        try:
            generator.start()
        except Exception as exc:
            print(json.dumps({"error": str(exc)}), flush=True)
            continue
        print(json.dumps({"ready": True}), flush=True)
        sys.stdin.readline()
        samples = generator.stop()
        print(json.dumps({"samples": [dataclasses.astuple(s) for s in samples]}), flush=True)


class LoadWorker:
    """A child interpreter (``python -m bench.load``) that runs one load after another.

    Starting an interpreter and importing psycopg costs a few hundred milliseconds; a
    benchmark of many short runs keeps one worker and gives it a new :class:`LoadSpec`
    per run (:class:`LoadProcess`).
    """

    def __init__(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [_ROOT, env.get("PYTHONPATH")]))
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bench.load"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )

    def send(self, line: str) -> None:
        """Send one line to the child."""
        assert self._process.stdin is not None
        self._process.stdin.write(line + "\n")
        self._process.stdin.flush()

    def receive(self) -> dict[str, Any]:
        """The child's next message."""
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            self._process.wait()
            raise RuntimeError("the application load process ended unexpectedly")
        message: dict[str, Any] = json.loads(line)
        return message

    def kill(self) -> None:
        """End the child now."""
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()

    def close(self) -> None:
        """Let the child exit (killing it if it is stuck in a load)."""
        if self._process.poll() is None:
            try:
                self.send("")
                self._process.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self._process.kill()
                self._process.wait()

    def __enter__(self) -> LoadWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LoadProcess:
    """One load run in a child interpreter (its own interpreter lock).

    :param spec: what the application does.
    :param worker: a running :class:`LoadWorker` to use (default: a new one, closed at the end).
    """

    def __init__(self, spec: LoadSpec, worker: LoadWorker | None = None) -> None:
        self.spec = spec
        self._worker = worker
        self._owned = worker is None
        self._running = False

    def start(self) -> None:
        """Start the load and return once every client is connected."""
        if self._worker is None:
            self._worker = LoadWorker()
        self._worker.send(json.dumps(dataclasses.asdict(self.spec)))
        message = self._worker.receive()
        if "ready" not in message:
            raise RuntimeError(f"the application load did not start: {message.get('error')}")
        self._running = True

    def stop(self) -> list[Sample]:
        """Stop the load (each client finishes its statement) and return every sample."""
        assert self._worker is not None and self._running
        self._worker.send("stop")
        message = self._worker.receive()
        self._running = False
        if self._owned:
            self._worker.close()
        return [Sample(*row) for row in message["samples"]]

    def __enter__(self) -> LoadProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._worker is not None and (self._owned or self._running):
            if self._running:
                self._worker.kill()
            self._worker.close()


def sample_rows(samples: Sequence[Sample], origin: float) -> list[list[object]]:
    """Samples as compact JSON rows ``[t, latency_ms, kind, sqlstate]`` relative to *origin*."""
    return [
        [round(s.start - origin, 4), round(s.latency * 1000, 3), s.kind, s.sqlstate]
        for s in samples
    ]


if __name__ == "__main__":
    _serve()
