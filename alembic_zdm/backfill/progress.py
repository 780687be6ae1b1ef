"""Backfill progress: events for callers, a rich bar on a TTY, one summary line at the end.

Every batch produces a :class:`BackfillProgress` event. Listeners are plain
callables, given per run (``on_progress=``) or for the whole process with
:func:`add_listener` (how an application or the CLI follows a backfill started by
``op.backfill`` in a revision). The summary line goes to the ``alembic.zdm`` logger,
a child of Alembic's own ``alembic`` logger, so the ``INFO`` level that
``alembic.ini`` sets for Alembic shows it as well.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import sys
from collections.abc import Callable
from typing import Any

log = logging.getLogger("alembic.zdm.backfill")


@dataclasses.dataclass(frozen=True)
class BackfillProgress:
    """The state of a running backfill after one batch.

    :param table: the table.
    :param rows: rows updated so far in this run (plus the resumed checkpoint's count).
    :param batches: batches committed.
    :param elapsed_s: seconds since this run started.
    :param rows_per_s: rows updated per second in this run.
    :param total_estimate: the table's estimated row count, if known.
    :param eta_s: estimated seconds left, if known.
    :param batch_size: the key-range size of the next batch.
    :param last_key: the checkpoint (last key done).
    :param done: True on the final event.
    :param paused: why the backfill waits before its next batch (a health check), if it does.
    """

    table: str
    rows: int
    batches: int
    elapsed_s: float
    rows_per_s: float
    total_estimate: int | None
    eta_s: float | None
    batch_size: int
    last_key: list[Any] | None
    done: bool = False
    paused: str | None = None
    """Why the backfill is paused (a health check throttles), else ``None``."""


Listener = Callable[[BackfillProgress], None]

_listeners: list[Listener] = []


def add_listener(listener: Listener) -> None:
    """Call *listener* with every progress event of every backfill in this process."""
    _listeners.append(listener)


def remove_listener(listener: Listener) -> None:
    """Stop calling *listener*."""
    _listeners.remove(listener)


def _is_tty() -> bool:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        return False
    return sys.stderr.isatty()


class Reporter:
    """Fans events out to listeners and, on a TTY, to a rich progress bar."""

    def __init__(
        self, table: str, on_progress: Listener | None = None, columns: tuple[str, ...] = ()
    ) -> None:
        self.table = table
        self.label = _label(table, columns)
        """What the bar and the summary line name: ``users.email`` or ``users (a, b)``."""
        self._callbacks = [*_listeners, *([on_progress] if on_progress else [])]
        self._bar: Any = None
        self._task: Any = None
        if _is_tty():
            self._start_bar()

    def _start_bar(self) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self._bar = Progress(
            TextColumn("backfill {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]:,.0f} rows/s"),
            TimeRemainingColumn(),
            transient=True,
        )
        self._task = self._bar.add_task(self.label, total=None, rate=0.0)
        self._bar.start()

    def emit(self, event: BackfillProgress) -> None:
        """Report one batch."""
        for callback in self._callbacks:
            callback(event)
        if self._bar is not None:
            description = f"{self.table} (paused: {event.paused})" if event.paused else self.table
            self._bar.update(
                self._task,
                completed=event.rows,
                total=event.total_estimate,
                rate=event.rows_per_s,
                description=description,
            )
        elif event.paused:
            log.info("backfill %s paused: %s", self.table, event.paused)

    def finish(self, event: BackfillProgress) -> None:
        """Report the end: stop the bar, log the summary line."""
        self.emit(event)
        if self._bar is not None:
            self._bar.stop()
        log.info(summary_line(event, self.label))

    def abort(self) -> None:
        """Stop the bar after an error."""
        if self._bar is not None:
            self._bar.stop()


def _label(table: str, columns: tuple[str, ...]) -> str:
    if len(columns) == 1:
        return f"{table}.{columns[0]}"
    return f"{table} ({', '.join(columns)})" if columns else table


def summary_line(event: BackfillProgress, label: str | None = None) -> str:
    """``backfill users.email: 120,000 rows in 24 batches, 3.1 s (38,710 rows/s)``.

    :param label: what to call the backfill (default: the table), so that two
        backfills of one table in one revision can be told apart.
    """
    return (
        f"backfill {label or event.table}: {event.rows:,} rows in {event.batches} batches, "
        f"{event.elapsed_s:.1f} s ({event.rows_per_s:,.0f} rows/s)"
    )
