"""``op.enable_dual_write`` / ``op.disable_dual_write``: keep two columns in step."""

from __future__ import annotations

from typing import Any

from alembic.operations import MigrateOperation, Operations


class _DualWriteOp(MigrateOperation):
    def __init__(
        self,
        table_name: str,
        old: str,
        new: str,
        forward: str | None = None,
        backward: str | None = None,
        schema: str | None = None,
    ) -> None:
        self.table_name = table_name
        self.old = old
        self.new = new
        self.forward = forward
        self.backward = backward
        self.schema = schema

    def spec(self) -> Any:
        from ..dual_write import DualWriteSpec

        return DualWriteSpec.simple(
            self.table_name, self.old, self.new, self.forward, self.backward, schema=self.schema
        )


@Operations.register_operation("enable_dual_write")
class EnableDualWriteOp(_DualWriteOp):
    """Install the dual-write trigger between two columns (data)."""

    @classmethod
    def enable_dual_write(
        cls,
        operations: Operations,
        table_name: str,
        old: str,
        new: str,
        *,
        forward: str | None = None,
        backward: str | None = None,
        schema: str | None = None,
    ) -> None:
        """Keep *old* and *new* consistent while old and new code both write the table.

        A row trigger (``BEFORE INSERT OR UPDATE``) copies whichever side the writer
        changed to the other: old code writes *old* and *new* follows; new code writes
        *new* and *old* follows. The trigger only edits the row being written (no extra
        statements, so no recursion), and skips the backward copy when the two sides
        already agree (so a backfill of *new* never rewrites *old*). Belongs in
        ``expand()``; remove it with :meth:`disable_dual_write` in ``contract()``.

        :param table_name: the table.
        :param old: the column the old code writes.
        :param new: the column the new code writes (must exist).
        :param forward: SQL expression over the row's columns giving *new* from *old*
            (default: *old* as is, converted by assignment).
        :param backward: SQL expression giving *old* from *new* (default: *new*).

        Example::

            op.enable_dual_write("users", "email", "email_lower", forward="lower(email)",
                                 backward="email_lower")

        PostgreSQL: a PL/pgSQL function ``zdm_dwfn_<table>_<old>_<new>`` and trigger
        ``zdm_dw_<table>_<old>_<new>`` (``CREATE TRIGGER`` takes SHARE ROW EXCLUSIVE
        briefly, under the short lock timeout with retries).
        """
        operations.invoke(cls(table_name, old, new, forward, backward, schema))


@Operations.register_operation("disable_dual_write")
class DisableDualWriteOp(_DualWriteOp):
    """Remove the dual-write trigger between two columns (data)."""

    @classmethod
    def disable_dual_write(
        cls,
        operations: Operations,
        table_name: str,
        old: str,
        new: str,
        *,
        schema: str | None = None,
    ) -> None:
        """Drop the trigger and function installed by :meth:`enable_dual_write`.

        Example::

            op.disable_dual_write("users", "email", "email_lower")
        """
        operations.invoke(cls(table_name, old, new, schema=schema))


@Operations.implementation_for(EnableDualWriteOp)
def _enable(operations: Operations, operation: EnableDualWriteOp) -> None:
    from ._pattern import Ctx

    ctx = Ctx(operations)
    ctx.column(operation.table_name, operation.old, operation.schema)
    ctx.column(operation.table_name, operation.new, operation.schema)
    ctx.dual_write(operation.spec(), on=True)


@Operations.implementation_for(DisableDualWriteOp)
def _disable(operations: Operations, operation: DisableDualWriteOp) -> None:
    from ._pattern import Ctx

    ctx = Ctx(operations)
    ctx.columns(operation.table_name, operation.schema)
    ctx.dual_write(operation.spec(), on=False)
