"""SQLite plans of the single-phase and constraint operations.

Indexes are created and dropped directly (``IF [NOT] EXISTS``: re-runnable). What
SQLite cannot ``ALTER`` — foreign keys, CHECK constraints, NOT NULL — goes through
Alembic's batch mode (:class:`~alembic_zdm.sql.statement.BatchAlter`): the table is
recreated and its rows copied inside the migration's transaction, so a row that
breaks the new rule fails the copy and nothing changes.
"""

from __future__ import annotations

from collections.abc import Sequence

from ...dialects import PlanContext, plans
from ...dialects.base import guard, orphans_query
from ...dialects.sqlite import COLUMN_ABSENT, COLUMN_EXISTS
from ...errors import UnsupportedDialectError
from ...phases.model import Phase
from ...sql.quoting import Quoter, SqlExpression
from ...sql.statement import BatchAlter, LockLevel, Statement, TimeoutClass
from ..constraints import (
    AddCheckConstraintSafeOp,
    AddForeignKeySafeOp,
    AddUniqueConstraintSafeOp,
)
from ..indexes import AddIndexConcurrentlyOp, DropIndexConcurrentlyOp
from ..not_null import SetNotNullSafeOp
from ..validations import ValidateColumnExistsOp, ValidateDataIntegrityOp


def create_index(
    q: Quoter,
    name: str,
    table: str,
    columns: Sequence[SqlExpression],
    *,
    schema: str | None = None,
    unique: bool = False,
    where: SqlExpression | None = None,
) -> str:
    """``CREATE [UNIQUE] INDEX IF NOT EXISTS [schema.]name ON table (cols) [WHERE …]``."""
    cols = ", ".join(q.name(c) if isinstance(c, str) else q.expression(c) for c in columns)
    sql = (
        f"CREATE {'UNIQUE ' if unique else ''}INDEX IF NOT EXISTS {q.table(name, schema)} "
        f"ON {q.name(table)} ({cols})"
    )
    return sql + (f" WHERE {q.expression(where)}" if where is not None else "")


def index_statement(sql: str, table: str, schema: str | None, description: str) -> Statement:
    """An index build or drop (SQLite takes the database write lock; short busy timeout)."""
    return Statement(
        sql, lock=LockLevel.SHARE, timeout_class=TimeoutClass.DDL, table=table, schema=schema,
        description=description,
    )  # fmt: skip


def batch_statement(batch: BatchAlter, description: str) -> Statement:
    """A change applied by recreating the table (Alembic batch mode)."""
    return Statement(
        batch.describe(), lock=LockLevel.ACCESS_EXCLUSIVE, timeout_class=TimeoutClass.DDL,
        table=batch.table, schema=batch.schema, rewrites=True, description=description,
        batch=batch,
    )  # fmt: skip


@plans(AddIndexConcurrentlyOp, "sqlite")
def plan_add_index(op: AddIndexConcurrentlyOp, ctx: PlanContext) -> list[Statement]:
    """``CREATE [UNIQUE] INDEX IF NOT EXISTS`` (partial indexes allowed)."""
    if op.using or op.include:
        raise UnsupportedDialectError(
            f"Index {op.index_name!r}: SQLite has no index methods or INCLUDE columns; "
            "drop postgresql_using=/postgresql_include=."
        )
    sql = create_index(
        ctx.quoter, op.index_name, op.table_name, op.columns, schema=op.schema,
        unique=op.unique, where=op.where,
    )  # fmt: skip
    return [index_statement(sql, op.table_name, op.schema, f"Build index {op.index_name!r}")]


@plans(DropIndexConcurrentlyOp, "sqlite")
def plan_drop_index(op: DropIndexConcurrentlyOp, ctx: PlanContext) -> list[Statement]:
    """``DROP INDEX IF EXISTS``."""
    sql = f"DROP INDEX IF EXISTS {ctx.quoter.table(op.index_name, op.schema)}"
    table = op.table_name or op.index_name
    return [index_statement(sql, table, op.schema, f"Drop index {op.index_name!r}")]


@plans(AddForeignKeySafeOp, "sqlite")
def plan_foreign_key(op: AddForeignKeySafeOp, ctx: PlanContext) -> list[Statement]:
    """Expand: batch ``create_foreign_key``; migrate: check for orphans; undo: batch drop."""
    name = op.constraint_name
    if ctx.phase is Phase.EXPAND and ctx.undo:
        batch = BatchAlter.one(
            op.table_name, op.schema, "drop_constraint", name, type_="foreignkey"
        )
        return [batch_statement(batch, f"Drop foreign key {name!r} (table recreated)")]
    if ctx.phase is Phase.EXPAND:
        kw = {k: v for k, v in (("ondelete", op.ondelete), ("onupdate", op.onupdate),
                                ("deferrable", op.deferrable), ("initially", op.initially),
                                ("match", op.match)) if v is not None}  # fmt: skip
        batch = BatchAlter.one(
            op.table_name, op.schema, "create_foreign_key", name, op.referent_table,
            tuple(op.local_cols), tuple(op.remote_cols), **kw,
        )  # fmt: skip
        return [batch_statement(batch, f"Add foreign key {name!r} (table recreated)")]
    if ctx.phase is Phase.MIGRATE and not ctx.undo:
        message = (
            f"Foreign key {name!r} is not valid: rows of {op.source_table!r} reference missing "
            f"rows of {op.referent_table!r}; fix or delete them and run the phase again"
        )
        return [guard(ctx.quoter, orphans_query(ctx.quoter, op), message, kind="data")]
    return []


@plans(AddCheckConstraintSafeOp, "sqlite")
def plan_check(op: AddCheckConstraintSafeOp, ctx: PlanContext) -> list[Statement]:
    """Expand: batch ``create_check_constraint`` (the copy checks every row)."""
    name = op.constraint_name
    if ctx.phase is Phase.EXPAND and ctx.undo:
        batch = BatchAlter.one(op.table_name, op.schema, "drop_constraint", name, type_="check")
        return [batch_statement(batch, f"Drop check {name!r} (table recreated)")]
    if ctx.phase is Phase.EXPAND:
        from ...sql.raw import fragment

        # Exactly as written: a plain string would go through text(), where the ":_a"
        # of a quoted name is taken for a parameter.
        condition = fragment(
            op.condition if isinstance(op.condition, str) else ctx.quoter.expression(op.condition)
        )
        batch = BatchAlter.one(op.table_name, op.schema, "create_check_constraint", name, condition)
        return [batch_statement(batch, f"Add check {name!r} (table recreated)")]
    return []


@plans(AddUniqueConstraintSafeOp, "sqlite")
def plan_unique(op: AddUniqueConstraintSafeOp, ctx: PlanContext) -> list[Statement]:
    """A unique index named like the constraint (SQLite enforces it the same way)."""
    q, name = ctx.quoter, op.constraint_name
    if ctx.phase is Phase.EXPAND and ctx.undo:
        sql = f"DROP INDEX IF EXISTS {q.table(name, op.schema)}"
        return [index_statement(sql, op.table_name, op.schema, f"Drop unique index {name!r}")]
    if ctx.phase is Phase.EXPAND:
        sql = create_index(q, name, op.table_name, op.columns, schema=op.schema, unique=True)
        return [index_statement(sql, op.table_name, op.schema, f"Build unique index {name!r}")]
    return []


@plans(SetNotNullSafeOp, "sqlite")
def plan_not_null(op: SetNotNullSafeOp, ctx: PlanContext) -> list[Statement]:
    """Contract: refuse while NULLs remain, then batch ``alter_column(nullable=False)``."""
    if ctx.phase is not Phase.CONTRACT:
        return []
    where = f"{op.table_name}.{op.column_name}"
    batch = BatchAlter.one(
        op.table_name, op.schema, "alter_column", op.column_name, nullable=ctx.undo
    )
    change = batch_statement(batch, f"{'Drop' if ctx.undo else 'Set'} NOT NULL on {where}")
    if ctx.undo:
        return [change]
    q = ctx.quoter
    # Names went through the quoter.
    nulls = (
        f"SELECT 1 FROM {q.table(op.table_name, op.schema)} WHERE {q.name(op.column_name)} IS NULL"  # noqa: S608
    )
    return [guard(q, nulls, f"{where} still holds NULLs; backfill them first", kind="data"), change]


@plans(ValidateColumnExistsOp, "sqlite")
def plan_column_check(op: ValidateColumnExistsOp, ctx: PlanContext) -> list[Statement]:
    """A guard on ``pragma_table_info``."""
    state = "does not exist" if op.expected else "still exists"
    message = op.message or (
        f"Column {op.column_name!r} of table {op.table_name!r} {state}, so this phase stops; "
        "check that the earlier phases ran"
    )
    query = COLUMN_ABSENT if op.expected else COLUMN_EXISTS
    params: dict[str, object] = {"table": op.table_name, "column": op.column_name}
    return [guard(ctx.quoter, query, message, kind="schema", params=params)]


@plans(ValidateDataIntegrityOp, "sqlite")
def plan_data_check(op: ValidateDataIntegrityOp, ctx: PlanContext) -> list[Statement]:
    """A guard counting the offending rows."""
    return [ctx.support.data_check(op.sql.strip().rstrip(";"), op.message)]
