"""``op.safe_rename_column`` (pattern op): a new column kept in step, then the old dropped."""

from __future__ import annotations

import dataclasses
from typing import Any

from alembic.operations import Operations

from .. import naming
from ._steps import PatternSteps
from .base import run_pattern


@Operations.register_operation("safe_rename_column")
class SafeRenameColumnOp(PatternSteps):
    """Rename a column while old code uses the old name and new code the new one (data)."""

    finish_before_undo = True

    def __init__(
        self,
        table_name: str,
        old: str,
        new: str,
        existing_type: Any = None,
        schema: str | None = None,
    ) -> None:
        self.table_name = table_name
        self.old = old
        self.new = new
        self.existing_type = existing_type
        self.schema = schema

    @classmethod
    def safe_rename_column(
        cls,
        operations: Operations,
        table_name: str,
        old: str,
        new: str,
        *,
        existing_type: Any = None,
        schema: str | None = None,
    ) -> None:
        """Rename *old* to *new* without breaking the code that still uses *old*.

        * expand: ``ADD COLUMN new`` (same type, nullable) and a two-way dual-write
          trigger: old code writes *old*, new code writes *new*, both stay equal;
        * migrate: batched backfill ``new = old``, a check that no row differs, and a
          ``CREATE INDEX CONCURRENTLY`` copy of each index on *old* (as
          ``zdm_new_<index>``);
        * contract: models check; *old*'s server default and NOT NULL move to *new*
          (NOT NULL via CHECK NOT VALID → VALIDATE → SET NOT NULL); the trigger and
          *old* (with its indexes) are dropped, the index copies take the old names.

        Primary-key columns, and columns with expression or partial indexes, are
        refused. *existing_type* is needed only offline (``--sql``), and only when
        neither env.py's ``target_metadata`` nor the ``models`` setting defines the column.

        Example::

            def expand():
                op.safe_rename_column("users", "email", "email_address")
        """
        operations.invoke(cls(table_name, old, new, existing_type, schema))

    def touched_objects(self) -> list[tuple[str, str | None]]:
        """Both names."""
        return [(self.table_name, self.old), (self.table_name, self.new)]

    def _dual(self) -> Any:
        from ..dual_write import DualWriteSpec

        return DualWriteSpec.simple(self.table_name, self.old, self.new, schema=self.schema)

    def _spec(self, ctx: Any, target: str, source: str) -> Any:
        from ._pattern import copy_spec, quoted

        return copy_spec(self.table_name, target, quoted(ctx, source), self.schema)

    def expand(self, ctx: Any) -> None:
        from sqlalchemy import Column

        info = ctx.column(self.table_name, self.old, self.schema)
        ctx.absent(self.table_name, self.new, self.schema, f"rename {self.old!r} to {self.new!r}")
        ctx.not_in_primary_key(self.table_name, self.old, self.schema, "rename")
        self._indexes(ctx, self.old)
        col_type = ctx.type_of(
            self.table_name, self.old, self.schema, self.existing_type, "safe_rename_column",
            self.new,
        )  # fmt: skip
        comment = info.get("comment") if info is not None else None
        new = Column(self.new, col_type, comment=comment)
        ctx.run(ctx.add_columns(self.table_name, [new], self.schema))
        ctx.dual_write(self._dual(), on=True)
        ctx.relax_for_new_code(self.table_name, [self.old], self.schema)

    def undo_expand(self, ctx: Any) -> None:
        ctx.restore_for_old_code(self.table_name, [self.old], self.schema)
        ctx.dual_write(self._dual(), on=False)
        ctx.run([ctx.drop_column(self.table_name, self.new, self.schema)])

    def _indexes(self, ctx: Any, column: str) -> Any:
        from ._indexes import column_indexes

        return column_indexes(ctx, self.table_name, column, self.schema)

    def migrate(self, ctx: Any) -> None:
        from ._indexes import build_copies

        spec = self._spec(ctx, self.new, self.old)
        ctx.backfill(spec)
        ctx.verify(spec)
        copies = build_copies(
            ctx, self.table_name, self._indexes(ctx, self.old), self.old, self.new,
            naming.shadow_index, self.schema,
        )  # fmt: skip
        ctx.run(copies)

    def undo_migrate(self, ctx: Any) -> None:
        from ._indexes import drop_copies

        indexes = self._indexes(ctx, self.old)
        ctx.run(drop_copies(ctx, indexes, naming.shadow_index, self.schema, self.table_name))
        ctx.forget_backfill(self._spec(ctx, self.new, self.old))

    def contract(self, ctx: Any) -> None:
        from ._indexes import first_seen_indexes, rename_index, replace_column
        from ._pattern import models_check

        info = ctx.original(self.table_name, self.old, self.schema)
        models_check(ctx, self.table_name, self.old, self.schema, "drop")
        indexes = first_seen_indexes(ctx, self.table_name, self.old, self.schema)
        plan = []
        if info is not None and info.get("default") is not None:
            plan.append(ctx.set_default(self.table_name, self.new, info["default"], self.schema))
        if info is not None and not info["nullable"]:
            default = info.get("default")
            plan += ctx.not_null_safe(self.table_name, self.new, self.schema, default)
        ctx.run(plan)
        ctx.dual_write(self._dual(), on=False)
        swap = [ctx.drop_column(self.table_name, self.old, self.schema)]
        for i in indexes:
            swap += rename_index(
                ctx,
                self.table_name,
                naming.shadow_index(i.name, ctx.dialect.name),
                i.name,
                self.schema,
                i,
                replace_column(i.columns, self.old, self.new),
            )
        ctx.run(swap)

    def undo_contract(self, ctx: Any) -> None:
        from sqlalchemy import Column

        from ._indexes import build_copies, rename_index, replace_column

        info = ctx.column(self.table_name, self.new, self.schema)
        ctx.absent(self.table_name, self.old, self.schema, f"restore {self.old!r}")
        col_type = self.existing_type if info is None else info["type"]
        indexes, current = self._undo_indexes(ctx)
        ctx.run([ctx.add_column(self.table_name, Column(self.old, col_type), self.schema)])
        if info is not None and info.get("default") is not None:
            ctx.run([ctx.set_default(self.table_name, self.old, info["default"], self.schema)])
        ctx.dual_write(self._dual(), on=True)
        spec = self._spec(ctx, self.old, self.new)
        ctx.backfill(spec)
        ctx.verify(spec)
        ctx.forget_backfill(spec)
        ctx.run(
            build_copies(
                ctx, self.table_name, indexes, self.new, self.old, naming.retired_index, self.schema
            )
        )
        plan = []
        if info is not None and not info["nullable"]:
            plan += ctx.not_null_safe(self.table_name, self.old, self.schema)
            plan.append(ctx.nullable(self.table_name, self.new, True, self.schema))
        if info is not None and info.get("default") is not None:
            plan.append(ctx.set_default(self.table_name, self.new, None, self.schema))
        for i in indexes:
            dialect = ctx.dialect.name
            if current[i.name] != naming.shadow_index(i.name, dialect):
                plan += rename_index(
                    ctx, self.table_name, i.name, naming.shadow_index(i.name, dialect),
                    self.schema, i, i.columns,
                )  # fmt: skip
            plan += rename_index(
                ctx, self.table_name, naming.retired_index(i.name, dialect), i.name, self.schema,
                i, replace_column(i.columns, self.new, self.old),
            )  # fmt: skip
        ctx.run(plan)

    def _undo_indexes(self, ctx: Any) -> tuple[list[Any], dict[str, str]]:
        """The indexes to move back onto *old*, and the name each has on *new* now.

        After a full contract they are the indexes on *new*, under their own names.
        Undoing a contract that was killed half-way, they are the ones the contract
        first saw on *old*: on *new* a copy may still have its ``zdm_new_`` name, and an
        index still on *old* needs nothing.
        """
        from ._indexes import replace_column, saved_indexes

        saved = saved_indexes(ctx, self.table_name, self.old)
        if saved is None:
            found = self._indexes(ctx, self.new)
            return found, {i.name: i.name for i in found}
        from sqlalchemy import inspect

        on = {
            ix["name"]: tuple(ix.get("column_names") or ())
            for ix in inspect(ctx.catalog).get_indexes(self.table_name, schema=self.schema)
        }
        indexes, current = [], {}
        for i in saved:
            if self.old in on.get(i.name, ()):
                continue  # the contract stopped before it moved this one
            moved = replace_column(i.columns, self.old, self.new)
            indexes.append(dataclasses.replace(i, columns=moved))
            current[i.name] = (
                i.name if i.name in on else naming.shadow_index(i.name, ctx.dialect.name)
            )
        return indexes, current


@Operations.implementation_for(SafeRenameColumnOp)
def _safe_rename_column(operations: Operations, operation: SafeRenameColumnOp) -> None:
    run_pattern(operations, operation)
