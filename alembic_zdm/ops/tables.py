"""``op.safe_drop_table`` (pattern op)."""

from __future__ import annotations

from typing import Any

from alembic.operations import Operations

from ._steps import PatternSteps
from .base import run_pattern


@Operations.register_operation("safe_drop_table")
class SafeDropTableOp(PatternSteps):
    """Drop a table once no running code uses it (data)."""

    def __init__(self, table_name: str, schema: str | None = None) -> None:
        self.table_name = table_name
        self.schema = schema

    @classmethod
    def safe_drop_table(
        cls, operations: Operations, table_name: str, *, schema: str | None = None
    ) -> None:
        """Drop a table in the contract phase, after the code that used it is gone.

        * expand: checks the table exists; NOT NULL columns without a server default
          get ``DROP NOT NULL`` so new code that stopped filling them can still insert;
        * contract: models check (DESIGN §9), drop foreign keys from and into it
          (short locks, retried), then — with ``backup`` on (the default) — move it
          into the archive (PostgreSQL ``SET SCHEMA zdm_archive``, MySQL/MariaDB
          ``RENAME TABLE`` into ``<database>_zdm_archive``, SQLite a rename), rows,
          indexes and constraints included; with ``backup = false``,
          ``DROP INDEX CONCURRENTLY`` of its indexes and ``DROP TABLE``.

        Undoing contract moves the archived table back (PostgreSQL re-adds its foreign
        keys); without an archive (``backup = false``, or purged) it is refused.

        Example::

            def expand():
                op.safe_drop_table("legacy_sessions")
        """
        operations.invoke(cls(table_name, schema))

    def touched_objects(self) -> list[tuple[str, str | None]]:
        """The whole table."""
        return [(self.table_name, None)]

    def _optional_columns(self, ctx: Any) -> list[str]:
        cols = ctx.columns(self.table_name, self.schema)
        if cols is None:
            return []
        from ..sql.reflect import inspector as inspect

        pk = inspect(ctx.connection).get_pk_constraint(self.table_name, schema=self.schema)
        keys = set(pk.get("constrained_columns") or [])
        return [
            name
            for name, info in cols.items()
            if not info["nullable"] and info.get("default") is None and name not in keys
        ]

    def expand(self, ctx: Any) -> None:
        names = self._optional_columns(ctx)
        ctx.run([ctx.nullable(self.table_name, n, True, self.schema) for n in names])

    def contract(self, ctx: Any) -> None:
        from ._pattern import models_check
        from ._tables_sql import drop_dependents_plan

        if ctx.settings.backup:
            from ..archive.keep import keep_table

            if ctx.offline or ctx.columns(self.table_name, self.schema) is not None:
                models_check(ctx, self.table_name, None, self.schema, "drop")
            keep_table(ctx, self.table_name, self.schema, "safe_drop_table")
            return
        if ctx.columns(self.table_name, self.schema) is None and not ctx.offline:
            # dropped by this step's earlier run, killed before it was recorded done
            ctx.run([ctx.ddl_impl.drop_table(self.table_name, self.schema)])
            return
        models_check(ctx, self.table_name, None, self.schema, "drop")
        plan = drop_dependents_plan(ctx, self.table_name, self.schema)
        ctx.run([*plan, ctx.ddl_impl.drop_table(self.table_name, self.schema)])

    def undo_contract(self, ctx: Any) -> None:
        from ..archive.keep import find_table, restore_table, table_exists
        from ..errors import ZdmError

        entry = find_table(ctx, self.table_name, self.schema)
        if not ctx.offline and table_exists(ctx.connection, self.table_name, self.schema):
            # never moved (the contract was killed before), or moved back by a killed undo
            if entry is not None and entry.archive_table == _kept_name(ctx, self.table_name):
                restore_table(ctx, entry)  # forgets the archive that is already back
            return
        if entry is not None:
            restore_table(ctx, entry)
            return
        if ctx.offline:
            raise ZdmError(
                f"The undo of the contract of safe_drop_table({self.table_name!r}) moves the "
                f"table back from its archive, which only an online run can find; run it online."
            )
        raise ZdmError(
            f"Table {self.table_name!r} was dropped by the contract phase without an archive "
            f"(backup = false, or purged since), so it cannot be restored by a rollback; "
            f"restore it from a backup."
        )


def _kept_name(ctx: Any, table: str) -> str | None:
    """The archive name this step's contract gave *table* (``None``: it gave none)."""
    from ..archive.keep import kept_name

    return kept_name(ctx, table)


@Operations.implementation_for(SafeDropTableOp)
def _safe_drop_table(operations: Operations, operation: SafeDropTableOp) -> None:
    run_pattern(operations, operation)
