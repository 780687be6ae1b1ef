"""Backfill throughput: ``op.backfill`` against one unbatched ``UPDATE`` of the same rows.

The single ``UPDATE`` is the physical limit of the server for this change (one
statement, one transaction, one WAL flush) and also the naive way: under load it holds
the row lock of every row it touched until it commits, so the application's updates
wait for all of it. ``op.backfill`` pages over primary-key ranges in short transactions.
Both run through ``alembic upgrade head`` of a one-revision project on a fresh copy of
the table, once with no application load (throughput ratio) and once under it (the
application's worst latency).
"""

from __future__ import annotations

import dataclasses
import importlib
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.database import SeededServer, connect, sqlalchemy_url
from bench.load import LoadProcess, LoadSpec, LoadWorker
from bench.migrations import AlembicProject
from bench.settings import BenchSettings
from bench.stats import WindowStats, overlapping, summarize

COLUMN = "score"
EXPRESSION = "qty * 2"
WHERE = "score IS NULL"

UPDATE_BODY = 'op.execute(sa.text("UPDATE items SET score = qty * 2 WHERE score IS NULL"))'
BACKFILL_BODY = 'op.backfill("items", set={"score": "qty * 2"}, where="score IS NULL")'

SINGLE_UPDATE = "single UPDATE"
BACKFILL = "op.backfill"


@dataclasses.dataclass
class BackfillRun:
    """One backfill measurement."""

    method: str
    under_load: bool
    rows: int
    seconds: float
    via: str
    """``alembic upgrade head`` or, before ``op.backfill`` existed, the engine called directly."""
    app: WindowStats | None = None
    error: str = ""
    engine_s: float | None = None
    """The backfill engine's own time (its final progress event), without Alembic's start-up."""
    batches: int | None = None

    @property
    def rows_per_s(self) -> float:
        """Rows updated per second (0 when the run failed)."""
        return round(self.rows / self.seconds, 1) if self.seconds > 0 and not self.error else 0.0


def _add_column(url: str) -> None:
    with connect(url) as conn:
        conn.execute("ALTER TABLE items ADD COLUMN score integer")


def _count_done(url: str) -> int:
    with connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM items WHERE score = qty * 2").fetchone()
    return int(row[0]) if row else 0


def _via_alembic(body: str) -> Callable[[str, Path], None]:
    def run(url: str, tmp: Path) -> None:
        project = AlembicProject(tmp, sqlalchemy_url(url))
        project.add_revision("backfill", "backfill benchmark", {"upgrade": body})
        importlib.import_module("alembic.command").upgrade(project.config(), "head")

    return run


def _engine_backfill(url: str, tmp: Path) -> None:
    from sqlalchemy import create_engine

    from alembic_zdm.backfill import BackfillSpec, run_backfill

    engine = create_engine(sqlalchemy_url(url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            run_backfill(conn, BackfillSpec("items", {COLUMN: EXPRESSION}, where=WHERE))
    finally:
        engine.dispose()


def backfill_runner() -> tuple[Callable[[str, Path], None], str]:
    """How ``op.backfill`` is run: through Alembic when the op exists, else its engine."""
    from alembic.operations import Operations

    from alembic_zdm.ops import register_all

    register_all()
    if hasattr(Operations, "backfill"):
        return _via_alembic(BACKFILL_BODY), "alembic upgrade head"
    return _engine_backfill, "backfill engine called directly (op.backfill not available yet)"


@contextmanager
def _progress(listener: Callable[[Any], None]) -> Iterator[None]:
    """Receive the backfill engine's progress events for the duration of the block."""
    try:
        from alembic_zdm.backfill import add_listener, remove_listener
    except ImportError:
        yield
        return
    add_listener(listener)
    try:
        yield
    finally:
        remove_listener(listener)


def measure(
    server: SeededServer,
    method: str,
    under_load: bool,
    settings: BenchSettings,
    worker: LoadWorker | None = None,
) -> BackfillRun:
    """Backfill the ``score`` column of a fresh copy with *method*; time it."""
    if method == SINGLE_UPDATE:
        runner, via = _via_alembic(UPDATE_BODY), "alembic upgrade head"
    else:
        runner, via = backfill_runner()
    result = BackfillRun(method, under_load, server.rows, 0.0, via)
    with server.copy() as url, tempfile.TemporaryDirectory(prefix="zdm-bench-") as tmp:
        _add_column(url)
        load: LoadProcess | None = None
        if under_load:
            load = LoadProcess(
                LoadSpec(
                    url=url,
                    rows=server.rows,
                    clients=settings.clients,
                    rate_per_client=settings.rate_per_client,
                    statement_timeout_ms=settings.statement_timeout_ms,
                ),
                worker,
            )
            load.start()
        try:
            if load is not None:
                time.sleep(settings.warmup_s)
            events: list[Any] = []
            started = time.monotonic()
            try:
                with _progress(events.append):
                    runner(url, Path(tmp))
            except Exception as exc:
                result.error = f"{type(exc).__name__}: {exc}"
            ended = time.monotonic()
            final = next((e for e in reversed(events) if getattr(e, "done", False)), None)
            if final is not None:
                result.engine_s = round(final.elapsed_s, 3)
                result.batches = final.batches
            if load is not None:
                samples = load.stop()
                load = None
                result.app = summarize(overlapping(samples, started, ended), ended - started)
        finally:
            if load is not None:
                load.__exit__()
        result.seconds = round(ended - started, 3)
        if not result.error:
            done = _count_done(url)
            if done < server.rows:
                result.error = f"only {done} of {server.rows} rows were backfilled"
    return result


def run_all(
    server: SeededServer,
    settings: BenchSettings,
    log: Callable[[str], None] = print,
    worker: LoadWorker | None = None,
) -> list[BackfillRun]:
    """The four backfill measurements: each method with no load, then under load.

    With no load each method runs ``settings.backfill_reps`` times on fresh copies and
    the median run is kept.
    """
    runs = []
    for under_load in (False, True):
        for method in (SINGLE_UPDATE, BACKFILL):
            reps = 1 if under_load else settings.backfill_reps
            tries = [measure(server, method, under_load, settings, worker) for _ in range(reps)]
            run = sorted(tries, key=lambda r: (bool(r.error), r.seconds))[len(tries) // 2]
            load_text = "under load" if under_load else "no load"
            worst = f", app worst {run.app.max_ms:.0f} ms" if run.app else ""
            engine = (
                f" (engine {run.engine_s:.2f} s, {run.batches} batches)" if run.engine_s else ""
            )
            log(
                f"  backfill {method:<14} {load_text:<10} {run.seconds:7.2f} s "
                f"{run.rows_per_s:>11,.0f} rows/s{engine}{worst}"
                f"{'  ' + run.error if run.error else ''}"
            )
            runs.append(run)
    return runs
