"""Calling a revision's phase functions, and replaying them without running anything."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from alembic.operations import MigrateOperation, Operations
from alembic.runtime.migration import MigrationContext

from ..ops.base import CollectingOperations, PatternOperation
from .context import CheckpointStore, PhaseRun, phase_run
from .model import Phase
from .revisions import RevisionPhases

Obj = tuple[str, str | None]


@contextlib.contextmanager
def _installed(operations: Operations) -> Iterator[Operations]:
    """Point the ``alembic.op`` proxy at *operations* for the block, then restore it."""
    attr_names, modules = Operations._setups[Operations]
    saved = [dict(g) for g, _ in modules]
    for g, _ in modules:
        g["_proxy"] = operations
        for name in attr_names:
            g[name] = getattr(operations, name)
    try:
        yield operations
    finally:
        for (g, _), old in zip(modules, saved, strict=True):
            g["_proxy"] = old.get("_proxy")
            for name in attr_names:
                if name in old:
                    g[name] = old[name]


def current_operations(ctx: MigrationContext) -> Operations:
    """The ``Operations`` that ``op.*`` calls reach now (installed by Alembic), or a new one."""
    from alembic import op

    proxy = getattr(op, "_proxy", None)
    if isinstance(proxy, Operations) and proxy.migration_context is ctx:
        return proxy
    return Operations(ctx)


def collect(ctx: MigrationContext, rev: RevisionPhases, phase: Phase) -> list[MigrateOperation]:
    """Replay the function of *phase* (``upgrade()`` for a plain revision) and return its ops."""
    fn = rev.function(phase, undo=False)
    if fn is None:
        return []
    collector = CollectingOperations(ctx)
    with _installed(collector), phase_run(PhaseRun(phase, revision=rev.revision, replay=True)):
        fn()
    return collector.collected


def pattern_ops(ctx: MigrationContext, rev: RevisionPhases) -> list[PatternOperation]:
    """The pattern ops written in a phased revision's ``expand()``, in call order."""
    if not rev.phased:
        return []
    return [o for o in collect(ctx, rev, Phase.EXPAND) if isinstance(o, PatternOperation)]


def run_phase(
    ctx: MigrationContext,
    rev: RevisionPhases,
    phase: Phase,
    undo: bool,
    checkpoints: CheckpointStore | None = None,
) -> None:
    """Run (or undo) one phase of one revision on the current connection.

    Pattern ops go first when running migrate/contract, and first (in reverse order)
    when undoing any phase; then the revision's own function for the phase.
    """
    operations = current_operations(ctx)
    fn = rev.function(phase, undo)
    if not rev.phased:
        if fn is not None:
            fn()
        return
    patterns = pattern_ops(ctx, rev) if (undo or phase is not Phase.EXPAND) else []
    with phase_run(PhaseRun(phase, undo=undo, revision=rev.revision, checkpoints=checkpoints)):
        for pattern in reversed(patterns) if undo else patterns:
            pattern.run_phase(operations, phase, undo)
        if fn is not None:
            fn()


def touched_objects(ctx: MigrationContext, rev: RevisionPhases, phase: Phase) -> set[Obj]:
    """The (table, column) pairs a phase changes, as far as its ``op.*`` calls tell."""
    found: set[Obj] = set()
    ops: list[Any] = collect(ctx, rev, phase)
    if phase is not Phase.EXPAND:
        for pattern in pattern_ops(ctx, rev):
            found.update(pattern.touched_objects())
    for operation in ops:
        if isinstance(operation, PatternOperation):
            found.update(operation.touched_objects())
            continue
        found.update(_objects_of(operation))
    return found


def _objects_of(operation: Any) -> set[Obj]:
    table = getattr(operation, "table_name", None) or getattr(operation, "source_table", None)
    if not isinstance(table, str):
        return set()
    columns = getattr(operation, "columns", None)
    if isinstance(columns, (list, tuple)) and columns and all(isinstance(c, str) for c in columns):
        return {(table, c) for c in columns}
    column = getattr(operation, "column_name", None)
    if column is None:
        column = getattr(getattr(operation, "column", None), "name", None)
    if isinstance(column, str):
        return {(table, column)}
    return {(table, None)}


def overlap(a: set[Obj], b: set[Obj]) -> list[Obj]:
    """Objects of *a* that *b* touches too (a ``None`` column means the whole table)."""
    hits = []
    for table, column in sorted(a, key=lambda o: (o[0], o[1] or "")):
        for other_table, other_column in b:
            if table == other_table and (
                column is None or other_column is None or column == other_column
            ):
                hits.append((table, column))
                break
    return hits
