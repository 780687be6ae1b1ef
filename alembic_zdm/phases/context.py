"""Which phase is running now, for operations that span several phases.

The phase runner sets a :class:`PhaseRun` while it calls a revision's phase
function. A *pattern op* (``safe_rename_column`` …) is written once in ``expand()``;
the runner replays ``expand()`` in later phases and asks each pattern op for that
phase's work (see :mod:`alembic_zdm.ops.base`). Outside the runner (a plain
``upgrade()``) there is no :class:`PhaseRun` and pattern ops run every phase at once.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any, Protocol

from .model import Phase


class CheckpointStore(Protocol):
    """Where a resumable op (a backfill) keeps its progress between runs.

    The runner's store keeps it in the state table row of the running phase; a
    save runs on the caller's *connection* so it commits together with the batch.
    """

    def load(self, connection: Any, key: str) -> Any | None:
        """Return the value saved under *key*, or ``None``."""

    def save(self, connection: Any, key: str, value: Any) -> None:
        """Save *value* (JSON-serialisable) under *key*."""


@dataclasses.dataclass(frozen=True)
class PhaseRun:
    """The phase being run by the runner.

    :param phase: the phase.
    :param undo: True while undoing the phase (downgrade / rollback).
    :param revision: the revision id.
    :param replay: True while ``expand()`` is replayed only to collect pattern ops.
    :param checkpoints: where resumable ops keep progress (``None``: not resumable).
    """

    phase: Phase
    undo: bool = False
    revision: str = ""
    replay: bool = False
    checkpoints: CheckpointStore | None = None


_current: ContextVar[PhaseRun | None] = ContextVar("alembic_zdm_phase_run", default=None)


def current_phase_run() -> PhaseRun | None:
    """Return the phase being run, or ``None`` outside the phase runner."""
    return _current.get()


@contextlib.contextmanager
def phase_run(run: PhaseRun) -> Iterator[PhaseRun]:
    """Set *run* as the current phase for the duration of the block."""
    token = _current.set(run)
    try:
        yield run
    finally:
        _current.reset(token)


_catalog: ContextVar[Any | None] = ContextVar("alembic_zdm_offline_catalog", default=None)


def offline_catalog() -> Any | None:
    """A live connection that offline rendering may *read* the catalog from, if any.

    ``alembic-zdm plan`` renders SQL offline but has a database at hand: with this
    set, operations that need the catalog offline (a column's type, its indexes)
    read it instead of asking for ``existing_type=``. Plain ``--sql`` leaves it unset.
    """
    return _catalog.get()


@contextlib.contextmanager
def catalog_for_offline(connection: Any) -> Iterator[None]:
    """Let offline rendering read the catalog through *connection* for the block."""
    token = _catalog.set(connection)
    try:
        yield
    finally:
        _catalog.reset(token)
