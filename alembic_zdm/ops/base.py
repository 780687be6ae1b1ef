"""The contract between operations and the phase runner.

A *pattern op* spans several phases but is written once, in ``expand()``. It
subclasses :class:`PatternOperation` and answers :meth:`PatternOperation.run_phase`
for each phase and direction. The runner:

* in the expand phase, calls ``expand()`` normally: the op's implementation sees
  ``current_phase_run().phase == EXPAND`` and runs its expand work;
* in migrate / contract, replays ``expand()`` through :class:`CollectingOperations`
  (nothing runs; pattern ops are collected), calls ``run_phase`` on each, then the
  revision's own ``migrate()`` / ``contract()``;
* when undoing phase P, replays ``expand()`` the same way and calls
  ``run_phase(P, undo=True)`` in reverse order, then the revision's ``undo_P()``.

Outside the runner (a plain ``upgrade()``) :func:`run_pattern` runs every phase at once.
"""

from __future__ import annotations

import contextlib
import types
from collections.abc import Iterator
from typing import Any

from alembic.operations import BatchOperations, MigrateOperation, Operations

from ..phases.context import current_phase_run
from ..phases.model import Phase


class PatternOperation(MigrateOperation):
    """A multi-phase operation carried through the phases by the runner."""

    finish_before_undo = False
    """Undoing a phase that was interrupted half-way first finishes it (``rollback``
    after a kill): the op's undo expects the phase's work whole (a column swap)."""

    def run_phase(self, operations: Operations, phase: Phase, undo: bool) -> None:
        """Run (or undo, when *undo*) this op's work for *phase*."""
        raise NotImplementedError

    def touched_objects(self) -> list[tuple[str, str | None]]:
        """``(table, column)`` pairs this op changes (``column`` None = the whole table)."""
        return []


def run_pattern(operations: Operations, operation: PatternOperation) -> None:
    """Implementation entry point of every pattern op invoked from revision code."""
    run = current_phase_run()
    if run is None:
        for phase in Phase:
            operation.run_phase(operations, phase, undo=False)
        return
    if run.replay:
        return
    operation.run_phase(operations, run.phase, undo=run.undo)


class CollectingOperations(Operations):
    """An ``Operations`` that runs nothing and records every operation invoked.

    Used to replay ``expand()`` in later phases (to find its pattern ops) and to
    find the objects a phase touches (conflict check) without touching the database.
    """

    def __init__(self, migration_context: Any) -> None:
        super().__init__(migration_context)
        self.collected: list[MigrateOperation] = []

    def invoke(self, operation: MigrateOperation) -> Any:
        """Record *operation* instead of running it."""
        self.collected.append(operation)
        return None

    def get_context(self) -> Any:
        """The migration context, with ``autocommit_block()`` made inert for the replay."""
        return _InertContext(self.migration_context)

    @contextlib.contextmanager
    def batch_alter_table(  # type: ignore[override]
        self, table_name: str, schema: str | None = None, **kw: Any
    ) -> Iterator[Any]:
        """Record the operations of a batch block instead of running them."""
        impl = types.SimpleNamespace(table_name=table_name, schema=schema)
        yield _CollectingBatch(self, impl)

    @property
    def pattern_ops(self) -> list[PatternOperation]:
        """The pattern ops recorded so far, in call order."""
        return [o for o in self.collected if isinstance(o, PatternOperation)]


class _CollectingBatch(BatchOperations):
    """The ``batch_op`` of a replayed ``batch_alter_table`` block."""

    def __init__(self, parent: CollectingOperations, impl: Any) -> None:
        super().__init__(parent.migration_context, impl=impl)
        self._parent = parent

    def invoke(self, operation: MigrateOperation) -> Any:
        """Record *operation* on the parent collector."""
        self._parent.collected.append(operation)
        return None


class _InertContext:
    """Wraps a ``MigrationContext`` so a replay cannot commit the running transaction."""

    def __init__(self, context: Any) -> None:
        self._context = context

    @contextlib.contextmanager
    def autocommit_block(self) -> Iterator[None]:
        """Do nothing: nothing runs during a replay."""
        yield

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)
