"""PostgreSQL plans of the constraint operations (NOT VALID, then VALIDATE; unique
index CONCURRENTLY, then ``ADD CONSTRAINT … USING INDEX``)."""

from __future__ import annotations

import dataclasses
from typing import Any

from ..dialects import PlanContext, plans
from ..phases.model import Phase
from ..sql import postgresql as pg
from ..sql.statement import LockLevel, Statement, TimeoutClass
from .constraints import (
    AddCheckConstraintSafeOp,
    AddForeignKeySafeOp,
    AddUniqueConstraintSafeOp,
    _ConstraintOp,
)


def _done(op: _ConstraintOp, ctx: PlanContext, query: str) -> dict[str, Any]:
    params = {"rel": ctx.quoter.table(op.table_name, op.schema), "name": op.constraint_name}
    return {"done_check": query, "done_params": params}


def _pg_validate(op: _ConstraintOp, ctx: PlanContext, lock: LockLevel) -> Statement:
    return Statement(
        pg.validate_constraint(ctx.quoter, op.constraint_name, op.table_name, schema=op.schema),
        lock=lock,
        timeout_class=TimeoutClass.CONCURRENT,
        own_transaction=True,
        table=op.table_name,
        schema=op.schema,
        scans=True,
        description=f"Validate constraint {op.constraint_name!r} on {op.table_name!r}",
        **_done(op, ctx, pg.CONSTRAINT_VALIDATED),
    )


def _pg_drop(op: _ConstraintOp, ctx: PlanContext) -> Statement:
    return Statement(
        pg.drop_constraint(ctx.quoter, op.constraint_name, op.table_name, schema=op.schema),
        lock=LockLevel.ACCESS_EXCLUSIVE,
        table=op.table_name,
        schema=op.schema,
        description=f"Drop constraint {op.constraint_name!r} from {op.table_name!r}",
    )


def _pg_add(op: _ConstraintOp, ctx: PlanContext, sql: str, lock: LockLevel) -> Statement:
    return Statement(
        sql,
        lock=lock,
        table=op.table_name,
        schema=op.schema,
        description=f"Add constraint {op.constraint_name!r} to {op.table_name!r} (NOT VALID)",
        **_done(op, ctx, pg.CONSTRAINT_EXISTS),
    )


@plans(AddForeignKeySafeOp, "postgresql")
def plan_postgresql_foreign_key(op: AddForeignKeySafeOp, ctx: PlanContext) -> list[Statement]:
    """PostgreSQL: NOT VALID in expand, VALIDATE in migrate, DROP to undo expand."""
    if ctx.phase is Phase.EXPAND and ctx.undo:
        return [_pg_drop(op, ctx)]
    if ctx.phase is Phase.EXPAND:
        sql = pg.add_foreign_key(
            ctx.quoter,
            op.constraint_name,
            op.source_table,
            op.local_cols,
            op.referent_table,
            op.remote_cols,
            schema=op.source_schema,
            referent_schema=op.referent_schema,
            ondelete=op.ondelete,
            onupdate=op.onupdate,
            deferrable=op.deferrable,
            initially=op.initially,
            match=op.match,
        )
        add = _pg_add(op, ctx, sql, LockLevel.SHARE_ROW_EXCLUSIVE)
        return [dataclasses.replace(add, other_tables=((op.referent_table, op.referent_schema),))]
    if ctx.phase is Phase.MIGRATE and not ctx.undo:
        return [_pg_validate(op, ctx, LockLevel.SHARE_UPDATE_EXCLUSIVE)]
    return []


@plans(AddCheckConstraintSafeOp, "postgresql")
def plan_postgresql_check(op: AddCheckConstraintSafeOp, ctx: PlanContext) -> list[Statement]:
    """PostgreSQL: CHECK NOT VALID in expand, VALIDATE in migrate, DROP to undo expand."""
    if ctx.phase is Phase.EXPAND and ctx.undo:
        return [_pg_drop(op, ctx)]
    if ctx.phase is Phase.EXPAND:
        sql = pg.add_check(
            ctx.quoter, op.constraint_name, op.table_name, op.condition, schema=op.schema
        )
        return [_pg_add(op, ctx, sql, LockLevel.ACCESS_EXCLUSIVE)]
    if ctx.phase is Phase.MIGRATE and not ctx.undo:
        return [_pg_validate(op, ctx, LockLevel.SHARE_UPDATE_EXCLUSIVE)]
    return []


@plans(AddUniqueConstraintSafeOp, "postgresql")
def plan_postgresql_unique(op: AddUniqueConstraintSafeOp, ctx: PlanContext) -> list[Statement]:
    """PostgreSQL: unique index concurrently in expand, ``USING INDEX`` in migrate."""
    q = ctx.quoter
    if ctx.phase is Phase.EXPAND and ctx.undo:
        drop_index = Statement(
            pg.drop_index(q, op.constraint_name, schema=op.schema),
            lock=LockLevel.SHARE_UPDATE_EXCLUSIVE,
            timeout_class=TimeoutClass.CONCURRENT,
            autocommit=True,
            table=op.table_name,
            schema=op.schema,
            description=f"Drop unique index {op.constraint_name!r} concurrently",
        )
        return [_pg_drop(op, ctx), drop_index]
    if ctx.phase is Phase.EXPAND:
        return [_pg_unique_index(op, ctx, _done(op, ctx, pg.CONSTRAINT_EXISTS))]
    if ctx.phase is Phase.MIGRATE and not ctx.undo:
        attach = Statement(
            pg.add_unique_using_index(
                q, op.constraint_name, op.table_name, op.constraint_name, schema=op.schema
            ),
            lock=LockLevel.ACCESS_EXCLUSIVE,
            table=op.table_name,
            schema=op.schema,
            description=f"Attach unique index {op.constraint_name!r} as a constraint of {op.table_name!r}",
            **_done(op, ctx, pg.CONSTRAINT_EXISTS),
        )
        return [attach]
    if ctx.phase is Phase.MIGRATE:
        # PostgreSQL cannot detach a constraint and keep its index: drop the constraint
        # (and with it the index), then rebuild the index as expand left it.
        index_done = {
            "done_check": pg.INDEX_VALID,
            "done_params": {"rel": q.table(op.constraint_name, op.schema)},
        }
        return [_pg_drop(op, ctx), _pg_unique_index(op, ctx, index_done)]
    return []


def _pg_unique_index(
    op: AddUniqueConstraintSafeOp, ctx: PlanContext, done: dict[str, Any]
) -> Statement:
    return Statement(
        pg.create_index(
            ctx.quoter, op.constraint_name, op.table_name, op.columns, schema=op.schema, unique=True
        ),
        lock=LockLevel.SHARE_UPDATE_EXCLUSIVE,
        timeout_class=TimeoutClass.CONCURRENT,
        autocommit=True,
        table=op.table_name,
        schema=op.schema,
        scans=True,
        description=f"Build unique index {op.constraint_name!r} on {op.table_name!r} concurrently",
        builds_index=op.constraint_name,
        **done,
    )
