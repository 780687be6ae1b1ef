"""Index operations that never block writers: ``add_index_concurrently``, ``drop_index_concurrently``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from alembic.operations import MigrateOperation, Operations

from ..dialects import PlanContext, plans
from ..errors import SchemaObjectError
from ..sql import postgresql as pg
from ..sql.quoting import SqlExpression
from ..sql.statement import LockLevel, Statement, TimeoutClass
from ._run import log, run_operation


@Operations.register_operation("add_index_concurrently")
class AddIndexConcurrentlyOp(MigrateOperation):
    """Build an index without blocking writes (data only; see :func:`plan_postgresql_add`)."""

    def __init__(
        self,
        index_name: str,
        table_name: str,
        columns: Sequence[SqlExpression],
        *,
        unique: bool = False,
        where: SqlExpression | None = None,
        schema: str | None = None,
        using: str | None = None,
        include: Sequence[str] = (),
        overrides: dict[str, Any] | None = None,
    ) -> None:
        self.index_name = index_name
        self.table_name = table_name
        self.columns = [columns] if isinstance(columns, str) else list(columns)
        self.unique = unique
        self.where = where
        self.schema = schema
        self.using = using
        self.include = list(include)
        self.overrides = dict(overrides or {})

    @classmethod
    def add_index_concurrently(
        cls,
        operations: Operations,
        index_name: str,
        table_name: str,
        columns: Sequence[SqlExpression],
        *,
        unique: bool = False,
        where: SqlExpression | None = None,
        schema: str | None = None,
        **kw: Any,
    ) -> None:
        """Build an index while the application keeps writing to the table.

        Expand-phase operation. The naive ``op.create_index`` takes a SHARE lock for
        the whole build and blocks every INSERT/UPDATE/DELETE until it is done.

        :param index_name: name of the new index.
        :param table_name: the table.
        :param columns: column names, or ``sa.text("lower(email)")`` expressions.
        :param unique: build a UNIQUE index (fails, and is cleaned up, on duplicates).
        :param where: predicate of a partial index (SQL text or a column expression).
        :param schema: schema of the table (default: the search path).
        :param kw: ``postgresql_using="gin"``, ``postgresql_include=["col"]``, and
            overrides of the lock settings: ``concurrent_statement_timeout_ms=…``,
            ``retries=…`` (see ``docs/lock-safety.md``).

        Example::

            op.add_index_concurrently("ix_users_email", "users", ["email"], unique=True)

        PostgreSQL: ``CREATE [UNIQUE] INDEX CONCURRENTLY IF NOT EXISTS`` outside the
        migration transaction (Alembic's ``autocommit_block()``). An INVALID index
        left by an earlier failed build is dropped first; a build that fails is
        dropped with ``DROP INDEX CONCURRENTLY IF EXISTS`` and retried (lock timeout,
        deadlock) or reported (duplicates): no INVALID index is ever left behind.
        Re-running is a no-op once the index exists.
        """
        using = kw.pop("postgresql_using", None)
        include = kw.pop("postgresql_include", ())
        op = cls(
            index_name,
            table_name,
            columns,
            unique=unique,
            where=where,
            schema=schema,
            using=using,
            include=include,
            overrides=kw,
        )
        operations.invoke(op)

    def reverse(self) -> DropIndexConcurrentlyOp:
        """The op that undoes this one."""
        return DropIndexConcurrentlyOp(self.index_name, self.table_name, schema=self.schema)


@Operations.register_operation("drop_index_concurrently")
class DropIndexConcurrentlyOp(MigrateOperation):
    """Drop an index without blocking reads or writes (data only)."""

    def __init__(
        self,
        index_name: str,
        table_name: str | None = None,
        *,
        schema: str | None = None,
        overrides: dict[str, Any] | None = None,
    ) -> None:
        self.index_name = index_name
        self.table_name = table_name
        self.schema = schema
        self.overrides = dict(overrides or {})

    @classmethod
    def drop_index_concurrently(
        cls,
        operations: Operations,
        index_name: str,
        table_name: str | None = None,
        *,
        schema: str | None = None,
        **kw: Any,
    ) -> None:
        """Drop an index without blocking the application.

        Contract-phase operation. The naive ``op.drop_index`` takes an ACCESS
        EXCLUSIVE lock on the table: it waits behind every running query and makes
        every new one wait behind it.

        :param index_name: the index to drop.
        :param table_name: its table; when given, the index must belong to it.
        :param schema: schema of the index (default: the search path).
        :param kw: overrides of the lock settings (``retries=…``).

        Example::

            op.drop_index_concurrently("ix_users_email", "users")

        PostgreSQL: ``DROP INDEX CONCURRENTLY IF EXISTS`` outside the migration
        transaction. An index that backs a constraint (primary key, unique, or the
        target of a foreign key) is refused with a clear error: drop the constraint
        instead. An index that is already gone is skipped, so a re-run completes.
        """
        operations.invoke(cls(index_name, table_name, schema=schema, overrides=kw))


@Operations.implementation_for(AddIndexConcurrentlyOp)
def add_index_concurrently(operations: Operations, operation: AddIndexConcurrentlyOp) -> None:
    """Run :class:`AddIndexConcurrentlyOp`."""

    def check(ops: Operations) -> None:
        from ..execution import catalog

        names = [c for c in operation.columns if isinstance(c, str)]
        catalog.require_columns(ops, operation.table_name, names, operation.schema)
        info = catalog.index_info(ops, operation.index_name, operation.schema)
        if info is not None and info.table != operation.table_name:
            raise SchemaObjectError(
                f"Index {operation.index_name!r} already exists on table {info.table!r}, "
                f"not on {operation.table_name!r}; pick another index name."
            )
        if info is not None and info.valid:
            log.info("Index %r already exists; nothing to build", operation.index_name)

    run_operation(operations, operation, overrides=operation.overrides, check=check)


@Operations.implementation_for(DropIndexConcurrentlyOp)
def drop_index_concurrently(operations: Operations, operation: DropIndexConcurrentlyOp) -> None:
    """Run :class:`DropIndexConcurrentlyOp`."""

    def check(ops: Operations) -> None:
        from ..execution import catalog

        info = catalog.index_info(ops, operation.index_name, operation.schema)
        if info is None:
            log.info("Index %r does not exist; nothing to drop", operation.index_name)
            return
        if operation.table_name is not None and info.table != operation.table_name:
            raise SchemaObjectError(
                f"Index {operation.index_name!r} belongs to table {info.table!r}, not "
                f"{operation.table_name!r}; check the names in drop_index_concurrently."
            )
        if info.constraints:
            names = ", ".join(repr(c) for c in info.constraints)
            raise SchemaObjectError(
                f"Index {operation.index_name!r} backs the constraint(s) {names}, so it "
                "cannot be dropped on its own; drop the constraint (op.drop_constraint) instead."
            )

    run_operation(operations, operation, overrides=operation.overrides, check=check)


@plans(AddIndexConcurrentlyOp, "postgresql")
def plan_postgresql_add(op: AddIndexConcurrentlyOp, ctx: PlanContext) -> list[Statement]:
    """PostgreSQL: one ``CREATE INDEX CONCURRENTLY IF NOT EXISTS`` outside the transaction."""
    sql = pg.create_index(
        ctx.quoter,
        op.index_name,
        op.table_name,
        op.columns,
        schema=op.schema,
        unique=op.unique,
        where=op.where,
        using=op.using,
        include=op.include,
    )
    kind = "unique index" if op.unique else "index"
    return [
        Statement(
            sql,
            lock=LockLevel.SHARE_UPDATE_EXCLUSIVE,
            timeout_class=TimeoutClass.CONCURRENT,
            autocommit=True,
            table=op.table_name,
            schema=op.schema,
            scans=True,
            description=f"Build {kind} {op.index_name!r} on {op.table_name!r} concurrently",
            builds_index=op.index_name,
        )
    ]


@plans(DropIndexConcurrentlyOp, "postgresql")
def plan_postgresql_drop(op: DropIndexConcurrentlyOp, ctx: PlanContext) -> list[Statement]:
    """PostgreSQL: one ``DROP INDEX CONCURRENTLY IF EXISTS`` outside the transaction."""
    return [
        Statement(
            pg.drop_index(ctx.quoter, op.index_name, schema=op.schema),
            lock=LockLevel.SHARE_UPDATE_EXCLUSIVE,
            timeout_class=TimeoutClass.CONCURRENT,
            autocommit=True,
            table=op.table_name,
            schema=op.schema,
            description=f"Drop index {op.index_name!r} concurrently",
        )
    ]
