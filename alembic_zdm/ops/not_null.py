"""``set_not_null_safe``: make a column NOT NULL without a write-blocking table scan."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from alembic.operations import Operations

from .. import naming
from ..dialects import PlanContext, plans
from ..phases.model import Phase
from ..sql import postgresql as pg
from ..sql.statement import LockLevel, Statement, TimeoutClass
from ._run import dispatch_pattern, run_operation
from .base import PatternOperation

if TYPE_CHECKING:
    from ..dialects.postgresql import PostgresSupport


@Operations.register_operation("set_not_null_safe")
class SetNotNullSafeOp(PatternOperation):
    """Make a column NOT NULL in the contract phase, in short steps (data only)."""

    def __init__(
        self,
        table_name: str,
        column_name: str,
        *,
        schema: str | None = None,
        overrides: dict[str, Any] | None = None,
        existing_type: Any = None,
        existing_server_default: Any = None,
        existing_comment: str | None = None,
    ) -> None:
        self.table_name = table_name
        self.column_name = column_name
        self.schema = schema
        self.overrides = dict(overrides or {})
        self.existing_type = existing_type
        self.existing_server_default = existing_server_default
        self.existing_comment = existing_comment

    @classmethod
    def set_not_null_safe(
        cls,
        operations: Operations,
        table_name: str,
        column_name: str,
        *,
        schema: str | None = None,
        existing_type: Any = None,
        existing_server_default: Any = None,
        **kw: Any,
    ) -> None:
        """Make a column NOT NULL without holding a lock while every row is checked.

        A restricting change: it runs in the **contract** phase (old code may still
        write NULLs until the new code is deployed). Written in ``expand()`` it is
        carried to contract; written in ``contract()`` (or a plain ``upgrade()``) it
        runs there. Each step is its own short transaction, so a failure leaves
        a state that a re-run completes. The naive
        ``op.alter_column(…, nullable=False)`` scans the table under ACCESS EXCLUSIVE:
        no reads, no writes until it is done.

        :param table_name: the table.
        :param column_name: the column that must become NOT NULL (it must hold no NULLs).
        :param schema: schema of the table.
        :param existing_type: the column's type; MySQL/MariaDB rewrite the whole column
            definition (``MODIFY``), so offline SQL needs it (online it is read from
            the database).
        :param existing_server_default: the column's server default (MySQL offline).
        :param kw: overrides of the lock settings (``lock_timeout_ms=…``, ``retries=…``).

        Example::

            def contract():
                op.set_not_null_safe("users", "email")

        PostgreSQL 12–17: ``ADD CONSTRAINT zdm_nn_<table>_<column> CHECK (col IS NOT NULL)
        NOT VALID`` → ``VALIDATE CONSTRAINT`` (no write lock) → ``SET NOT NULL`` (the
        valid check lets PostgreSQL skip the scan) → ``DROP CONSTRAINT``.
        PostgreSQL 18+: ``ADD CONSTRAINT … NOT NULL col NOT VALID`` → ``VALIDATE``.
        Rows with NULLs make the validation fail with a clear error. Undoing
        contract runs ``DROP NOT NULL``.

        MySQL/MariaDB: refused unless the session's ``sql_mode`` is strict (otherwise
        MySQL silently turns NULLs into zero values, ZDM132) or while NULLs remain;
        then ``MODIFY COLUMN … NOT NULL, ALGORITHM=INPLACE, LOCK=NONE`` (an online
        rebuild). SQLite: Alembic batch mode (the table is recreated in the migration's
        transaction; rows with NULLs make it fail and roll back).
        """
        operations.invoke(
            cls(
                table_name,
                column_name,
                schema=schema,
                overrides=kw,
                existing_type=existing_type,
                existing_server_default=existing_server_default,
            )
        )

    def touched_objects(self) -> list[tuple[str, str | None]]:
        """The column."""
        return [(self.table_name, self.column_name)]

    def run_phase(self, operations: Operations, phase: Phase, undo: bool) -> None:
        """All the work happens in contract (and its undo)."""

        def check(ops: Operations) -> None:
            from ..execution import catalog

            catalog.require_columns(ops, self.table_name, [self.column_name], self.schema)

        operation = self
        if phase is Phase.CONTRACT and self.existing_type is None:
            operation = self.resolved(operations)
        run_operation(
            operations, operation, overrides=self.overrides, check=check, phase=phase, undo=undo
        )

    def resolved(self, operations: Operations) -> SetNotNullSafeOp:
        """A copy with the column's type, default and comment read from the database
        (online; offline the op is returned as it is)."""
        from ._run import column_info

        info = column_info(operations, self.table_name, self.column_name, self.schema)
        if info is None:
            return self
        return SetNotNullSafeOp(
            self.table_name,
            self.column_name,
            schema=self.schema,
            overrides=self.overrides,
            existing_type=info["type"],
            existing_server_default=info.get("default"),
            existing_comment=info.get("comment"),
        )


Operations.implementation_for(SetNotNullSafeOp)(dispatch_pattern)


def _step(op: SetNotNullSafeOp, sql: str, lock: LockLevel, **kw: Any) -> Statement:
    return Statement(
        sql, lock=lock, own_transaction=True, table=op.table_name, schema=op.schema, **kw
    )


@plans(SetNotNullSafeOp, "postgresql")
def plan_postgresql(op: SetNotNullSafeOp, ctx: PlanContext) -> list[Statement]:
    """PostgreSQL: CHECK-backed SET NOT NULL (12–17) or native NOT NULL NOT VALID (18+)."""
    if ctx.phase is not Phase.CONTRACT:
        return []
    support = cast("PostgresSupport", ctx.support)
    q = ctx.quoter
    name = naming.not_null_check(op.table_name, op.column_name, support.name)
    params: dict[str, object] = {
        "rel": q.table(op.table_name, op.schema),
        "name": name,
        "column": op.column_name,
    }
    drop_check = _step(
        op,
        pg.drop_constraint(q, name, op.table_name, schema=op.schema),
        LockLevel.ACCESS_EXCLUSIVE,
        description=f"Drop the temporary constraint {name!r}",
        done_check=pg.CONSTRAINT_ABSENT,
        done_params=params,
    )
    if ctx.undo:
        sql = pg.alter_column_nullability(
            q, op.table_name, op.column_name, nullable=True, schema=op.schema
        )
        undo = _step(op, sql, LockLevel.ACCESS_EXCLUSIVE, description="Drop NOT NULL")
        return [undo] if support.native_not_null_not_valid else [drop_check, undo]
    if support.native_not_null_not_valid:
        add = pg.add_not_null_constraint(q, name, op.table_name, op.column_name, schema=op.schema)
        return [
            _step(
                op,
                add,
                LockLevel.ACCESS_EXCLUSIVE,
                description=f"Add {name!r} (NOT VALID)",
                done_check=pg.CONSTRAINT_EXISTS,
                done_params=params,
            ),
            _validate(op, ctx, name, pg.CONSTRAINT_VALIDATED, params),
        ]
    condition = f"{q.name(op.column_name)} IS NOT NULL"
    add = pg.add_check(q, name, op.table_name, condition, schema=op.schema)
    set_not_null = pg.alter_column_nullability(
        q, op.table_name, op.column_name, nullable=False, schema=op.schema
    )
    return [
        _step(
            op,
            add,
            LockLevel.ACCESS_EXCLUSIVE,
            description=f"Add {name!r} (NOT VALID)",
            done_check=pg.COLUMN_NOT_NULL_OR_CONSTRAINT,
            done_params=params,
        ),
        _validate(op, ctx, name, pg.COLUMN_NOT_NULL, params),
        _step(
            op,
            set_not_null,
            LockLevel.ACCESS_EXCLUSIVE,
            description="Set NOT NULL (no scan: the valid check proves it)",
            done_check=pg.COLUMN_NOT_NULL,
            done_params=params,
        ),
        drop_check,
    ]


def _validate(
    op: SetNotNullSafeOp, ctx: PlanContext, name: str, done: str, params: dict[str, object]
) -> Statement:
    return _step(
        op,
        pg.validate_constraint(ctx.quoter, name, op.table_name, schema=op.schema),
        LockLevel.SHARE_UPDATE_EXCLUSIVE,
        timeout_class=TimeoutClass.CONCURRENT,
        scans=True,
        description=f"Validate that {op.table_name}.{op.column_name} holds no NULLs",
        done_check=done,
        done_params=params,
    )
