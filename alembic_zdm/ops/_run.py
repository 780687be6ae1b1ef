"""How an op implementation turns its op into a plan and runs it (shared by every family)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from alembic.operations import Operations

from ..config import settings_for_context
from ..phases.context import current_phase_run
from ..phases.model import Phase
from .base import PatternOperation, run_pattern

log = logging.getLogger("alembic.zdm")

Check = Callable[[Operations], None]


def run_operation(
    operations: Operations,
    operation: Any,
    *,
    overrides: Mapping[str, Any],
    check: Check | None = None,
    phase: Phase | None = None,
    undo: bool = False,
) -> None:
    """Plan *operation* for the connected dialect and execute the plan.

    :param overrides: the op's keyword overrides of the settings (``lock_timeout_ms=…``).
    :param check: online only, run before anything changes: raises
        :class:`~alembic_zdm.errors.SchemaObjectError` on bad input.
    :param phase: for a pattern op, the phase to plan (with *undo*).
    """
    from ..dialects import PlanContext, dialect_support
    from ..execution import execute_plan
    from .dialect_plans import build as build_plan

    ctx = operations.get_context()
    settings = settings_for_context(ctx).with_overrides(**overrides)
    support = dialect_support(ctx.dialect)
    plan = build_plan(operation, PlanContext(support, support.quoter, settings, phase, undo))
    if not plan:
        return
    if not ctx.as_sql and check is not None:
        support.require_supported_version()
        check(operations)
    execute_plan(operations, plan, settings=settings)


def dispatch_pattern(operations: Operations, operation: PatternOperation) -> None:
    """Implementation entry point of this package's pattern ops.

    Written in ``expand()`` (or a plain ``upgrade()``), the op is spread over the phases
    by :func:`~alembic_zdm.ops.base.run_pattern`. Written anywhere else (``migrate()``,
    ``contract()``, an ``undo_*`` function), no later phase would carry it on, so all
    of its phases run there and then.
    """
    run = current_phase_run()
    if run is not None and not run.replay and (run.phase is not Phase.EXPAND or run.undo):
        log.info(
            "%s written in %s(): running all of its phases now",
            type(operation).__name__,
            run.phase.undo_name if run.undo else run.phase.label,
        )
        for phase in Phase:
            operation.run_phase(operations, phase, undo=False)
        return
    run_pattern(operations, operation)


def column_info(
    operations: Operations, table: str, column: str, schema: str | None
) -> dict[str, Any] | None:
    """The inspector's entry for *column* (``None`` offline); an unknown one is an error."""
    from ..execution import catalog

    if catalog.is_offline(operations):
        return None
    from ..sql.reflect import inspector as inspect

    catalog.require_columns(operations, table, [column], schema)
    conn = catalog.connection_of(operations)
    for info in inspect(conn).get_columns(table, schema=schema):
        if info["name"] == column:
            return dict(info)
    return None  # pragma: no cover - require_columns already checked


def table_column_names(operations: Operations, table: str, schema: str | None) -> list[str]:
    """The columns of *table* (``[]`` offline); an unknown table is an error."""
    from ..execution import catalog

    if catalog.is_offline(operations):
        return []
    catalog.require_table(operations, table, schema)
    return catalog.column_names(operations, table, schema)
