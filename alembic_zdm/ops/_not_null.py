"""SET NOT NULL without a long ACCESS EXCLUSIVE scan, reusing ``op.set_not_null_safe``'s plan.

The pattern ops need the same CHECK NOT VALID → VALIDATE → SET NOT NULL → drop CHECK
sequence (native ``NOT NULL … NOT VALID`` on PostgreSQL 18) in the middle of their
own steps, so they ask the shared planner for :class:`SetNotNullSafeOp`'s contract
plan instead of writing it twice.
"""

from __future__ import annotations

from typing import Any

from ..phases.model import Phase
from ..sql.statement import Statement


def not_null_plan(
    ctx: Any, table: str, column: str, schema: str | None, default: str | None = None
) -> list[Statement]:
    """The statements of ``set_not_null_safe(table, column)`` in its contract phase."""
    from ..dialects import PlanContext, dialect_support
    from .dialect_plans import build as build_plan
    from .not_null import SetNotNullSafeOp

    support = dialect_support(ctx.dialect)
    plan_ctx = PlanContext(support, support.quoter, ctx.settings, phase=Phase.CONTRACT)
    op = SetNotNullSafeOp(table, column, schema=schema)
    info = None if ctx.offline else ctx.column(table, column, schema)
    if info is not None:
        op = SetNotNullSafeOp(
            table,
            column,
            schema=schema,
            existing_type=info["type"],
            existing_server_default=default if default is not None else info.get("default"),
            existing_comment=info.get("comment"),
        )
    return build_plan(op, plan_ctx)
