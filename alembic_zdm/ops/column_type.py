"""``op.safe_change_column_type`` (pattern op): a converted shadow column, then a swap."""

from __future__ import annotations

from typing import Any

from alembic.operations import Operations

from .. import naming
from ._steps import PatternSteps
from .base import run_pattern


@Operations.register_operation("safe_change_column_type")
class SafeChangeColumnTypeOp(PatternSteps):
    """Change a column's type without rewriting the table under an exclusive lock (data)."""

    finish_before_undo = True

    def __init__(
        self,
        table_name: str,
        column_name: str,
        new_type: Any,
        using: str | None = None,
        existing_type: Any = None,
        backward_using: str | None = None,
        schema: str | None = None,
        fallback: str | None = None,
    ) -> None:
        self.table_name = table_name
        self.column_name = column_name
        self.new_type = new_type
        self.using = using
        self.existing_type = existing_type
        self.backward_using = backward_using
        self.schema = schema
        self.fallback = fallback

    @classmethod
    def safe_change_column_type(
        cls,
        operations: Operations,
        table_name: str,
        column_name: str,
        new_type: Any,
        *,
        using: str | None = None,
        existing_type: Any = None,
        backward_using: str | None = None,
        schema: str | None = None,
        fallback: str | None = None,
    ) -> None:
        """Change *column_name* to *new_type* with a shadow column and a swap.

        * expand: ``ADD COLUMN zdm_new_<col> <new_type>`` and a trigger that keeps it
          equal to ``using`` (default ``CAST(col AS new_type)``) on every write;
        * migrate: batched backfill of the shadow, a check, ``CREATE INDEX
          CONCURRENTLY`` copies of the column's indexes on the shadow;
        * contract: NOT NULL proved by a validated CHECK, then one short transaction:
          drop the trigger, rename ``col`` → ``zdm_old_<col>``, the shadow → ``col``,
          move the default and NOT NULL, drop ``zdm_old_<col>``, give the index copies
          their original names. With ``backup`` on (the default), the old values, the
          shadow's and the primary key are first copied into an archive table in
          key-range batches (no lock beyond row reads).

        Undoing contract brings the old type back: every row gets *backward_using* of
        its value, then the rows still as the contract left them get their exact old
        values from the archive (``'007'`` comes back ``'007'``, not ``'7'``).

        The old application keeps working whatever it writes: a value that does not
        convert (``'xyz'`` into an integer) leaves the shadow NULL (or *fallback*)
        instead of failing its ``INSERT``. Existing rows that do not convert stop the
        expand phase before it changes anything, and rows written later that do not
        convert stop the migrate phase's check; both errors name the rows' keys and
        values (with *fallback*, they are logged instead).

        The application only ever sees ``col``: with its old type until the contract
        swap, with the new type after it, so deploy code that works with both (e.g.
        ``int`` → ``bigint``). The shadow column is internal; no app writes it.

        :param using: SQL expression over the row giving the new value (``"price::numeric"``).
        :param existing_type: the old type; needed offline, and to undo the contract
            phase when no archive was kept (``backup = false``).
        :param backward_using: expression back to the old type when undoing contract
            (default ``CAST(col AS existing_type)``), for rows written after the contract:
            the others get their exact old values back from the archive.
        :param fallback: SQL expression stored for values that do not convert (default:
            NULL, and such values stop the phase); with it, they are counted and logged.

        Example::

            def expand():
                op.safe_change_column_type("events", "id_ref", sa.BigInteger(),
                                           existing_type=sa.Integer())
        """
        operations.invoke(
            cls(
                table_name, column_name, new_type, using, existing_type, backward_using,
                schema, fallback,
            )
        )  # fmt: skip

    def touched_objects(self) -> list[tuple[str, str | None]]:
        """The column."""
        return [(self.table_name, self.column_name)]

    def _shadow(self, ctx: Any) -> str:
        return naming.shadow_column(self.column_name, ctx.dialect.name)

    def _retired(self, ctx: Any) -> str:
        return naming.retired_column(self.column_name, ctx.dialect.name)

    def _cast(self, ctx: Any, type_: Any, given: str | None) -> str:
        from ._pattern import quoted

        if given is not None:
            return given
        column = quoted(ctx, self.column_name)
        return str(ctx.ddl_impl.convert(column, type_.compile(dialect=ctx.dialect)))

    def _dual(self, ctx: Any, target: str, expr: str) -> Any:
        from ..dual_write import DualWriteSpec

        return DualWriteSpec.simple(
            self.table_name, self.column_name, target, expr, two_way=False, schema=self.schema
        )

    def _spec(self, ctx: Any, target: str, expr: str) -> Any:
        from ._pattern import copy_spec

        return copy_spec(self.table_name, target, expr, self.schema)

    def _check_cast(self, ctx: Any, expr: str, type_: Any) -> None:
        """Fail with one sentence (and nothing changed) when *expr* does not type-check."""
        if ctx.offline:
            return
        from sqlalchemy import column, select, table

        from ..errors import SchemaObjectError
        from ._pattern import literal_expr

        tbl = table(self.table_name, schema=self.schema)
        converted = ctx.ddl_impl.convert(f"({expr})", type_.compile(dialect=ctx.dialect))
        probe = select(literal_expr(converted))
        probe = probe.select_from(tbl).where(column(self.column_name).is_(None)).limit(0)
        try:
            with ctx.connection.begin_nested():
                ctx.connection.execute(probe)
        except Exception as exc:
            detail = str(getattr(exc, "orig", exc)).splitlines()[0]
            raise SchemaObjectError(
                f"Cannot convert {self.table_name}.{self.column_name} to "
                f"{type_.compile(dialect=ctx.dialect)}: {detail}; pass using='…' with an "
                f"expression that converts it."
            ) from None

    def _conversion(self, ctx: Any) -> Any:
        """The never-failing conversion into the shadow (:mod:`._conversion`)."""
        info = ctx.column(self.table_name, self.column_name, self.schema)
        if info is None and self.existing_type is not None:
            info = {"type": self.existing_type}
        return ctx.ddl_impl.conversion(
            self.table_name, self.column_name, self.using, self.new_type, self.fallback,
            self.schema, info,
        )  # fmt: skip

    def _unconverted(self, ctx: Any, conversion: Any, when: str) -> str | None:
        """The sentence naming rows that do not convert (``None``: all convert, or offline)."""
        if ctx.offline:
            return None
        from ._conversion import describe, failures

        count, sample = failures(
            ctx, self.table_name, self.column_name, self.schema, conversion.converts
        )
        if not count:
            return None
        target = self.new_type.compile(dialect=ctx.dialect)
        when = f" {when}" if when else ""
        return (
            f"{count} row(s) of {self.table_name}.{self.column_name}{when} do not convert to "
            f"{target} ({describe(sample)})"
        )

    def expand(self, ctx: Any) -> None:
        from sqlalchemy import Column

        from ..errors import SchemaObjectError

        ctx.column(self.table_name, self.column_name, self.schema)
        shadow = self._shadow(ctx)
        ctx.absent(self.table_name, shadow, self.schema, f"change the type of {self.column_name!r}")
        ctx.not_in_primary_key(self.table_name, self.column_name, self.schema, "change the type of")
        self._indexes(ctx, self.column_name)
        expr = self._cast(ctx, self.new_type, self.using)
        self._check_cast(ctx, expr, self.new_type)
        conversion = self._conversion(ctx)
        ctx.run(conversion.setup)
        problem = self._unconverted(ctx, conversion, "already")
        if problem is not None and self.fallback is None:
            ctx.run(conversion.teardown)
            raise SchemaObjectError(
                f"Cannot change the type of {self.table_name}.{self.column_name}: {problem}; "
                f"fix those rows first, or pass using='…' that converts them or fallback='…' "
                f"to store instead."
            )
        if problem is not None:
            _log(f"{problem}: they get the fallback {self.fallback}")
        ctx.run([ctx.add_column(self.table_name, Column(shadow, self.new_type), self.schema)])
        ctx.dual_write(self._dual(ctx, shadow, conversion.in_trigger), on=True)

    def undo_expand(self, ctx: Any) -> None:
        shadow = self._shadow(ctx)
        ctx.dual_write(self._dual(ctx, shadow, ""), on=False)
        ctx.run([ctx.drop_column(self.table_name, shadow, self.schema)])
        ctx.run(self._conversion(ctx).teardown)

    def _indexes(self, ctx: Any, column: str) -> Any:
        from ._indexes import column_indexes

        return column_indexes(ctx, self.table_name, column, self.schema)

    def migrate(self, ctx: Any) -> None:
        from ..errors import BackfillVerificationError
        from ._indexes import build_copies

        shadow = self._shadow(ctx)
        conversion = self._conversion(ctx)
        spec = self._spec(ctx, shadow, conversion.in_row)
        ctx.backfill(spec)
        ctx.verify(spec)
        problem = self._unconverted(ctx, conversion, "")
        if problem is not None and self.fallback is None:
            raise BackfillVerificationError(
                f"Type change check: {problem}; the shadow column holds "
                f"NULL for them. Fix those rows (the trigger converts them on update) or pass "
                f"fallback='…', then run the migrate phase again."
            )
        if problem is not None:
            _log(f"{problem}: they hold the fallback {self.fallback}")
        indexes = self._indexes(ctx, self.column_name)
        ctx.run(
            build_copies(
                ctx,
                self.table_name,
                indexes,
                self.column_name,
                shadow,
                naming.shadow_index,
                self.schema,
            )
        )

    def undo_migrate(self, ctx: Any) -> None:
        from ._indexes import drop_copies

        shadow = self._shadow(ctx)
        ctx.run(
            drop_copies(
                ctx,
                self._indexes(ctx, self.column_name),
                naming.shadow_index,
                self.schema,
                self.table_name,
            )
        )
        ctx.forget_backfill(self._spec(ctx, shadow, ""))

    def contract(self, ctx: Any) -> None:
        from ._swap import Swap

        shadow = self._shadow(ctx)
        conversion = self._conversion(ctx)
        present = ctx.offline or ctx.column(self.table_name, shadow, self.schema)
        if ctx.settings.backup and present:
            from ..archive.keep import keep_columns

            # the old values, and the shadow (the column after the swap) to tell which
            # rows were written since; a re-run after the swap finds the shadow gone
            keep_columns(
                ctx, self.table_name, [self.column_name], self.schema, "safe_change_column_type",
                witnesses={shadow: self.column_name},
            )  # fmt: skip
        Swap(ctx, self.table_name, self.column_name, shadow, self.schema).run(
            retired=self._retired(ctx), drop_retired=True, old_trigger=self._dual(ctx, shadow, "")
        )
        ctx.run(conversion.teardown)

    def undo_contract(self, ctx: Any) -> None:
        from sqlalchemy import Column

        from ..archive.keep import archived_types, find_columns, forget_columns, restore_columns
        from ..errors import SchemaObjectError
        from ._swap import Swap

        entry = find_columns(ctx, self.table_name, [self.column_name], self.schema)
        old_type = self.existing_type
        if old_type is None and entry is not None:
            old_type = archived_types(ctx, entry).get(self.column_name)
        if old_type is None:
            raise SchemaObjectError(
                f"Cannot undo the type change of {self.table_name}.{self.column_name}: no "
                f"archive of the old values is kept; pass existing_type=… to "
                f"safe_change_column_type so the old type is known."
            )
        retired, shadow = self._retired(ctx), self._shadow(ctx)
        back = self._cast(ctx, old_type, self.backward_using)
        self._check_cast(ctx, back, old_type)
        if not self._swapped_back(ctx, retired, shadow):
            ctx.absent(self.table_name, retired, self.schema, "restore the old type")
            ctx.run([ctx.add_column(self.table_name, Column(retired, old_type), self.schema)])
            ctx.dual_write(self._dual(ctx, retired, back), on=True)
            spec = self._spec(ctx, retired, back)
            ctx.backfill(spec)
            ctx.verify(spec)
            ctx.forget_backfill(spec)
            if entry is not None:
                # the exact old values where the row is as the contract left it; rows
                # written since keep the backward conversion (the trigger keeps it so)
                restore_columns(ctx, entry, into={self.column_name: retired}, forget=False)
            swap = Swap(ctx, self.table_name, self.column_name, retired, self.schema)
            swap.copy_indexes(naming.retired_index)
        else:
            # a re-run after the swap back committed (MySQL: each DDL statement commits
            # by itself): the old values are under the column's name already; what is
            # left is the rest of the swap, planned from what the first attempt saw
            swap = Swap(ctx, self.table_name, self.column_name, retired, self.schema)
            swap.copy_name = naming.retired_index
        conversion = self._conversion(ctx)
        ctx.run(conversion.setup)
        forward = self._dual(ctx, shadow, conversion.in_trigger)
        swap.run(
            retired=shadow,
            drop_retired=False,
            old_trigger=self._dual(ctx, retired, ""),
            new_trigger=forward,
        )
        if entry is not None:
            forget_columns(ctx, entry)

    def _swapped_back(self, ctx: Any, retired: str, shadow: str) -> bool:
        """Whether an earlier attempt of this undo already swapped the old column back.

        After the swap the restored column is under the column's name and the new-typed
        one under the shadow's; before it the shadow is absent (the contract dropped it),
        which the first attempt records so a shadow of another origin is never mistaken.
        """
        if ctx.offline:
            return False
        t, s = self.table_name, self.schema
        shadow_at_start = ctx.first_seen(
            f"undo-type:{t}.{self.column_name}:shadow", lambda: shadow in (ctx.columns(t, s) or {})
        )
        names = ctx.columns(t, s) or {}
        return not shadow_at_start and retired not in names and shadow in names


def _log(message: str) -> None:
    import logging

    logging.getLogger("alembic.zdm.ops").warning(message)


@Operations.implementation_for(SafeChangeColumnTypeOp)
def _safe_change_column_type(operations: Operations, operation: SafeChangeColumnTypeOp) -> None:
    run_pattern(operations, operation)
