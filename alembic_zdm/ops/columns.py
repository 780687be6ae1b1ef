"""``op.add_required_column`` and ``op.safe_drop_column`` (pattern ops).

Both are written once in ``expand()``; the phase runner carries them through
``migrate`` and ``contract`` (see :mod:`alembic_zdm.ops.base`).
"""

from __future__ import annotations

from typing import Any

from alembic.operations import Operations

from ._steps import PatternSteps
from .base import run_pattern


@Operations.register_operation("add_required_column")
class AddRequiredColumnOp(PatternSteps):
    """A new NOT NULL column, added without a table rewrite or a long lock (data)."""

    def __init__(
        self,
        table_name: str,
        column: Any,
        server_default: Any = None,
        backfill: str | None = None,
        schema: str | None = None,
    ) -> None:
        self.table_name = table_name
        self.column = column
        self.server_default = (
            server_default if server_default is not None else column.server_default
        )
        self.backfill_expr = backfill
        self.schema = schema

    @classmethod
    def add_required_column(
        cls,
        operations: Operations,
        table_name: str,
        column: Any,
        *,
        server_default: Any = None,
        backfill: str | None = None,
        schema: str | None = None,
    ) -> None:
        """Add a column that ends up NOT NULL, safely across the three phases.

        * expand: ``ADD COLUMN … DEFAULT <server_default>`` (nullable; a constant
          default is metadata-only on PostgreSQL 11+, no rewrite);
        * migrate: batched backfill of rows where the column IS NULL, then a check;
        * contract: ``CHECK (col IS NOT NULL) NOT VALID`` → ``VALIDATE`` →
          ``SET NOT NULL`` (no scan under ACCESS EXCLUSIVE) → drop the CHECK.

        Old code keeps inserting without the column: the **server** default fills it
        (a Python-side ``default=`` would not), so *server_default* is required.

        :param table_name: the table.
        :param column: a ``sa.Column`` (its nullability is ignored until contract).
        :param server_default: SQL default (``"0"``, ``sa.text("now()")``); default:
            the column's own ``server_default``.
        :param backfill: SQL expression for existing NULL rows (default: the default).

        Example::

            def expand():
                op.add_required_column("orders", sa.Column("currency", sa.Text()),
                                       server_default="'EUR'")
        """
        if server_default is None and column.server_default is None:
            from ..errors import SchemaObjectError

            raise SchemaObjectError(
                f"add_required_column({table_name!r}, {column.name!r}) needs server_default=…: "
                f"old code inserts rows without the column, and only a server default fills it."
            )
        operations.invoke(cls(table_name, column, server_default, backfill, schema))

    def touched_objects(self) -> list[tuple[str, str | None]]:
        """The new column."""
        return [(self.table_name, self.column.name)]

    def _column(self) -> Any:
        from sqlalchemy import Column, text

        default = self.server_default
        if isinstance(default, str):
            default = text(default)
        elif hasattr(default, "arg"):
            default = default.arg
        return Column(self.column.name, self.column.type, nullable=True, server_default=default)

    def _default_sql(self, ctx: Any) -> str:
        if self.backfill_expr is not None:
            return self.backfill_expr
        default = self._column().server_default.arg
        return (
            str(default.compile(dialect=ctx.dialect))
            if hasattr(default, "compile")
            else str(default)
        )

    def _spec(self, ctx: Any) -> Any:
        from ..backfill import BackfillSpec
        from ._pattern import quoted

        where = f"{quoted(ctx, self.column.name)} IS NULL"
        return BackfillSpec(
            self.table_name, {self.column.name: self._default_sql(ctx)}, where, self.schema
        )

    def expand(self, ctx: Any) -> None:
        ctx.absent(self.table_name, self.column.name, self.schema, f"add {self.column.name!r}")
        ctx.run([ctx.add_column(self.table_name, self._column(), self.schema)])

    def undo_expand(self, ctx: Any) -> None:
        ctx.run([ctx.drop_column(self.table_name, self.column.name, self.schema)])

    def migrate(self, ctx: Any) -> None:
        ctx.column(self.table_name, self.column.name, self.schema)
        spec = self._spec(ctx)
        ctx.backfill(spec)
        ctx.verify(spec)

    def undo_migrate(self, ctx: Any) -> None:
        ctx.forget_backfill(self._spec(ctx))

    def contract(self, ctx: Any) -> None:
        ctx.run(ctx.not_null_safe(self.table_name, self.column.name, self.schema))

    def undo_contract(self, ctx: Any) -> None:
        ctx.run([ctx.nullable(self.table_name, self.column.name, True, self.schema)])


@Operations.implementation_for(AddRequiredColumnOp)
def _add_required_column(operations: Operations, operation: AddRequiredColumnOp) -> None:
    run_pattern(operations, operation)


@Operations.register_operation("safe_drop_column")
class SafeDropColumnOp(PatternSteps):
    """Drop a column once no running code reads or writes it (data)."""

    def __init__(
        self,
        table_name: str,
        column_name: str,
        existing_type: Any = None,
        existing_nullable: bool | None = None,
        existing_server_default: str | None = None,
        schema: str | None = None,
    ) -> None:
        self.table_name = table_name
        self.column_name = column_name
        self.existing_type = existing_type
        self.existing_nullable = existing_nullable
        self.existing_server_default = existing_server_default
        self.schema = schema

    @classmethod
    def safe_drop_column(
        cls,
        operations: Operations,
        table_name: str,
        column_name: str,
        *,
        existing_type: Any = None,
        existing_nullable: bool | None = None,
        existing_server_default: str | None = None,
        schema: str | None = None,
    ) -> None:
        """Drop a column in two steps so that old and new code both keep working.

        * expand: ``DROP NOT NULL`` when the column is NOT NULL without a server
          default, so new code can stop writing it (a default is kept as is);
        * contract: models check (DESIGN §9); with ``backup`` on (the default) its
          values and the table's primary key are copied into an archive table in
          key-range batches (no lock beyond row reads); ``DROP INDEX CONCURRENTLY`` of
          its indexes, drop its foreign keys, then ``DROP COLUMN``.

        Undoing contract re-adds the column (nullable, with *existing_server_default*,
        typed as *existing_type* or as the archive) and copies the archived values back
        by primary key; without an archive it comes back empty, and then needs
        *existing_type*. Undoing expand restores NOT
        NULL (validated without a long lock) when *existing_nullable* is ``False`` and
        no row is NULL (after an undone contract the re-added column is empty, so it
        stays nullable, with a warning).

        Example::

            def expand():
                op.safe_drop_column("users", "legacy_flag", existing_type=sa.Boolean())
        """
        operations.invoke(
            cls(
                table_name,
                column_name,
                existing_type,
                existing_nullable,
                existing_server_default,
                schema,
            )
        )

    def touched_objects(self) -> list[tuple[str, str | None]]:
        """The dropped column."""
        return [(self.table_name, self.column_name)]

    def expand(self, ctx: Any) -> None:
        info = ctx.column(self.table_name, self.column_name, self.schema)
        if info is None:
            needs = self.existing_nullable is False and self.existing_server_default is None
        else:
            needs = not info["nullable"] and info.get("default") is None
        if needs:
            ctx.run([ctx.nullable(self.table_name, self.column_name, True, self.schema)])

    def undo_expand(self, ctx: Any) -> None:
        if self.existing_nullable is not False:
            return
        if not ctx.offline and self._has_nulls(ctx):
            import logging

            logging.getLogger("alembic.zdm").warning(
                "%s.%s holds NULLs (its data was dropped by contract); left nullable",
                self.table_name,
                self.column_name,
            )
            return
        ctx.run(ctx.not_null_safe(self.table_name, self.column_name, self.schema))

    def _has_nulls(self, ctx: Any) -> bool:
        from sqlalchemy import column, exists, select, table

        tbl = table(self.table_name, column(self.column_name), schema=self.schema)
        query = select(exists().where(tbl.c[self.column_name].is_(None)))
        return bool(ctx.connection.execute(query).scalar())

    def contract(self, ctx: Any) -> None:
        from ._kept_columns import keep_definitions
        from ._pattern import models_check
        from ._tables_sql import drop_dependents_plan

        ctx.column(self.table_name, self.column_name, self.schema)
        models_check(ctx, self.table_name, self.column_name, self.schema, "drop")
        keep_definitions(ctx, self.table_name, [self.column_name], self.schema)
        present = ctx.offline or ctx.column(self.table_name, self.column_name, self.schema)
        if ctx.settings.backup and present:
            from ..archive.keep import keep_columns

            keep_columns(ctx, self.table_name, [self.column_name], self.schema, "safe_drop_column")
        plan = drop_dependents_plan(ctx, self.table_name, self.schema, column=self.column_name)
        ctx.run([*plan, ctx.drop_column(self.table_name, self.column_name, self.schema)])

    def undo_contract(self, ctx: Any) -> None:
        from sqlalchemy import Column, text

        from ..archive.keep import archived_types, find_columns, restore_columns
        from ..errors import SchemaObjectError
        from ._kept_columns import restore_definitions

        entry = find_columns(ctx, self.table_name, [self.column_name], self.schema)
        col_type = self.existing_type
        default = self.existing_server_default
        if entry is not None:
            col_type = col_type or archived_types(ctx, entry).get(self.column_name)
            default = default or (entry.detail.get("defaults") or {}).get(self.column_name)
        if col_type is None:
            raise SchemaObjectError(
                f"Cannot restore dropped column {self.table_name}.{self.column_name}: no archive "
                f"of it is kept; pass existing_type=… to safe_drop_column so the rollback can "
                f"re-add it (empty)."
            )
        server_default = text(default) if default else None
        column = Column(self.column_name, col_type, nullable=True, server_default=server_default)
        cols = ctx.columns(self.table_name, self.schema)
        if cols is None or self.column_name not in cols:  # (re-added by a killed undo: not twice)
            ctx.run([ctx.add_column(self.table_name, column, self.schema)])
        if entry is not None:
            restore_columns(ctx, entry)
        restore_definitions(ctx, self.table_name, [self.column_name], self.schema)


@Operations.implementation_for(SafeDropColumnOp)
def _safe_drop_column(operations: Operations, operation: SafeDropColumnOp) -> None:
    run_pattern(operations, operation)
