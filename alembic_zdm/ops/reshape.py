"""``op.split_column`` and ``op.merge_columns`` (pattern ops): one column ↔ several."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from alembic.operations import Operations

from ._steps import PatternSteps
from .base import run_pattern


class _ReshapeOp(PatternSteps):
    """Old columns replaced by new ones computed from them, kept in step meanwhile."""

    finish_before_undo = True

    def __init__(
        self,
        table_name: str,
        old: Sequence[str],
        new: Sequence[Any],
        forward: Mapping[str, str],
        backward: Mapping[str, str],
        old_types: Mapping[str, Any] | None = None,
        schema: str | None = None,
    ) -> None:
        self.table_name = table_name
        self.old = tuple(old)
        self.new = list(new)
        self.forward = dict(forward)
        self.backward = dict(backward)
        self.old_types = dict(old_types or {})
        self.schema = schema

    def touched_objects(self) -> list[tuple[str, str | None]]:
        """Old and new columns."""
        return [(self.table_name, c) for c in (*self.old, *(n.name for n in self.new))]

    @property
    def new_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.new)

    def _dual(self) -> Any:
        from ..dual_write import DualWriteSpec

        fwd = tuple(self.forward[n] for n in self.new_names)
        back = tuple(self.backward[o] for o in self.old)
        return DualWriteSpec(
            self.table_name, self.old, self.new_names, fwd, back, schema=self.schema
        )

    def _spec(self, mapping: Mapping[str, str]) -> Any:
        from ..backfill import BackfillSpec

        return BackfillSpec(self.table_name, dict(mapping), schema=self.schema)

    def expand(self, ctx: Any) -> None:
        from sqlalchemy import Column

        for name in self.old:
            ctx.column(self.table_name, name, self.schema)
        for name in self.new_names:
            ctx.absent(self.table_name, name, self.schema, f"add {name!r}")
        # Nullable and without a default while both app versions write: the trigger
        # tells old code's writes by the new columns being NULL. Contract applies
        # the declared default and NOT NULL.
        cols = [Column(c.name, c.type, nullable=True, comment=c.comment) for c in self.new]
        ctx.run(ctx.add_columns(self.table_name, cols, self.schema))
        ctx.dual_write(self._dual(), on=True)
        ctx.relax_for_new_code(self.table_name, list(self.old), self.schema)

    def undo_expand(self, ctx: Any) -> None:
        ctx.restore_for_old_code(self.table_name, list(self.old), self.schema)
        ctx.dual_write(self._dual(), on=False)
        ctx.run([ctx.drop_column(self.table_name, n, self.schema) for n in self.new_names])

    def migrate(self, ctx: Any) -> None:
        spec = self._spec(self.forward)
        ctx.backfill(spec)
        ctx.verify(spec)

    def undo_migrate(self, ctx: Any) -> None:
        ctx.forget_backfill(self._spec(self.forward))

    def contract(self, ctx: Any) -> None:
        from ._kept_columns import keep_definitions
        from ._pattern import models_check

        present = [ctx.column(self.table_name, n, self.schema) for n in self.old]
        for name in self.old:
            models_check(ctx, self.table_name, name, self.schema, "drop")
        keep_definitions(ctx, self.table_name, self.old, self.schema)
        ctx.run(self._declared(ctx))
        if ctx.settings.backup and (ctx.offline or all(present)):
            from ..archive.keep import keep_columns

            # with the new columns, to tell on undo which rows were written since; a
            # re-run finding an old column gone copied them all the first time
            keep_columns(
                ctx, self.table_name, self.old, self.schema, self._op_name,
                witnesses={n: n for n in self.new_names},
            )  # fmt: skip
        ctx.dual_write(self._dual(), on=False)
        ctx.run([ctx.drop_column(self.table_name, n, self.schema) for n in self.old])

    _op_name = ""

    def _declared(self, ctx: Any) -> list[Any]:
        """The declared server defaults and NOT NULL of the new columns (contract)."""
        plan = []
        for c in self.new:
            default = _default_sql(ctx, c)
            if default is not None:
                plan.append(ctx.set_default(self.table_name, c.name, default, self.schema))
            if not c.nullable:
                plan += ctx.not_null_safe(self.table_name, c.name, self.schema, default)
        return plan

    def undo_contract(self, ctx: Any) -> None:
        from sqlalchemy import Column

        from ..archive.keep import archived_types, find_columns, restore_columns
        from ..errors import SchemaObjectError
        from ._kept_columns import restore_definitions

        entry = find_columns(ctx, self.table_name, self.old, self.schema)
        types = dict(self.old_types)
        if entry is not None:
            types = {**archived_types(ctx, entry), **types}
        missing = [o for o in self.old if o not in types]
        if missing:
            raise SchemaObjectError(
                f"Cannot restore {self.table_name}.{', '.join(missing)} after the contract phase: "
                f"no archive of them is kept; pass the old column type(s) (existing_type=…) so "
                f"the rollback can re-add them."
            )
        cols = [Column(o, types[o], nullable=True) for o in self.old]
        ctx.run([ctx.add_column(self.table_name, c, self.schema) for c in cols])
        ctx.dual_write(self._dual(), on=True)
        spec = self._spec(self.backward)
        ctx.backfill(spec)
        ctx.verify(spec)
        ctx.forget_backfill(spec)
        if entry is not None:
            # exact old values where the new columns are as the contract left them;
            # rows written since keep the backward expressions' values
            restore_columns(ctx, entry)
        restore_definitions(ctx, self.table_name, self.old, self.schema)


def _default_sql(ctx: Any, column: Any) -> str | None:
    """*column*'s ``server_default`` as SQL (a plain string is a literal, as in Alembic)."""
    default = column.server_default
    if default is None:
        return None
    arg = getattr(default, "arg", default)
    if isinstance(arg, str):
        from ..sql.quoting import Quoter

        return Quoter(ctx.dialect).literal(arg)
    return str(getattr(arg, "text", None) or arg.compile(dialect=ctx.dialect))


@Operations.register_operation("split_column")
class SplitColumnOp(_ReshapeOp):
    """One column split into several (data)."""

    _op_name = "split_column"

    @classmethod
    def split_column(
        cls,
        operations: Operations,
        table_name: str,
        column_name: str,
        into: Sequence[Any],
        *,
        forward: Mapping[str, str],
        backward: str,
        existing_type: Any = None,
        schema: str | None = None,
    ) -> None:
        """Replace *column_name* by the columns *into*, computed by *forward*.

        * expand: add the new columns (nullable) and a two-way dual-write trigger:
          old code writes *column_name* and the new columns follow (*forward*); new
          code writes the new columns and *column_name* follows (*backward*);
        * migrate: batched backfill of the new columns, then a check;
        * contract: models check; with ``backup`` on (the default) *column_name*, the
          new columns and the primary key are copied into an archive table in
          key-range batches; then drop the trigger and *column_name*.

        Undoing contract re-adds *column_name*, fills it with *backward*, then gives
        the rows whose new columns are as the contract left them their exact old
        values from the archive (a lossy *backward* loses nothing for them).

        :param into: ``sa.Column`` objects for the new columns.
        :param forward: new column → SQL expression over the row (passed through).
        :param backward: SQL expression giving *column_name* from the new columns.
        :param existing_type: the old column's type (to undo the contract phase when
            no archive was kept; the archive knows it).

        Example::

            op.split_column("users", "name",
                            [sa.Column("first_name", sa.Text()), sa.Column("last_name", sa.Text())],
                            forward={"first_name": "split_part(name, ' ', 1)",
                                     "last_name": "split_part(name, ' ', 2)"},
                            backward="first_name || ' ' || last_name")
        """
        types = {column_name: existing_type} if existing_type is not None else {}
        operations.invoke(
            cls(table_name, (column_name,), into, forward, {column_name: backward}, types, schema)
        )


@Operations.implementation_for(SplitColumnOp)
def _split_column(operations: Operations, operation: SplitColumnOp) -> None:
    run_pattern(operations, operation)


@Operations.register_operation("merge_columns")
class MergeColumnsOp(_ReshapeOp):
    """Several columns merged into one (data)."""

    _op_name = "merge_columns"

    @classmethod
    def merge_columns(
        cls,
        operations: Operations,
        table_name: str,
        columns: Sequence[str],
        into: Any,
        *,
        forward: str,
        backward: Mapping[str, str],
        existing_types: Mapping[str, Any] | None = None,
        schema: str | None = None,
    ) -> None:
        """Replace *columns* by the single column *into* (``sa.Column``), computed by *forward*.

        The same three phases as :meth:`split_column`, in the other direction.

        :param forward: SQL expression giving *into* from *columns*.
        :param backward: old column → SQL expression over *into*.
        :param existing_types: old column → type (to undo the contract phase when no
            archive was kept; the archive knows them).

        Example::

            op.merge_columns("users", ["first_name", "last_name"], sa.Column("name", sa.Text()),
                             forward="first_name || ' ' || last_name",
                             backward={"first_name": "split_part(name, ' ', 1)",
                                       "last_name": "split_part(name, ' ', 2)"})
        """
        operations.invoke(
            cls(table_name, columns, [into], {into.name: forward}, backward, existing_types, schema)
        )


@Operations.implementation_for(MergeColumnsOp)
def _merge_columns(operations: Operations, operation: MergeColumnsOp) -> None:
    run_pattern(operations, operation)
