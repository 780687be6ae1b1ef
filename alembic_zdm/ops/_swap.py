"""Swap a column for its replacement in one short transaction (type change and its undo)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import naming
from ._indexes import IndexCopy, build_copies, first_seen_indexes, rename_index, replace_column


class Swap:
    """``column`` ← ``replacement``; the current ``column`` is renamed to ``retired``.

    Before the swap: when ``column`` is NOT NULL, the replacement becomes NOT NULL
    too (``set_not_null_safe``'s sequence; the sync trigger fills it on every write). In the swap (one transaction, short lock timeout, retried):
    drop the sync trigger, rename both columns, move the default and NOT NULL, drop
    the retired column (or keep it, with a new sync trigger, when undoing), and give
    index copies the original names.

    Where each DDL statement commits by itself (MySQL/MariaDB) the two renames are one
    ``ALTER`` (:meth:`~alembic_zdm.ops._ddl.ColumnDdl.swap_columns`), so a kill leaves
    the names before or after the swap, never neither; a re-run after it finds the
    replacement under the column's name, and plans from what the first attempt saw
    (``ctx.first_seen``: the default, NOT NULL and indexes of the old column).
    """

    def __init__(
        self, ctx: Any, table: str, column: str, replacement: str, schema: str | None
    ) -> None:
        self.ctx = ctx
        self.table = table
        self.column = column
        self.replacement = replacement
        self.schema = schema
        self.info = ctx.column(table, column, schema)
        # where each DDL statement commits by itself (MySQL), a re-run may find the swap
        # done (the replacement gone, renamed to *column*): the default, NOT NULL and
        # indexes to move are then those the first attempt saw on the old column
        self.swapped = ctx.column(table, replacement, schema) is None and not ctx.offline
        key = f"swap:{table}.{column}<-{replacement}"
        self.facts: dict[str, Any] | None = ctx.first_seen(key, lambda: _facts(self.info))
        self.indexes: list[IndexCopy] = first_seen_indexes(
            ctx, table, column, schema, key=f"{key}:indexes"
        )
        self.copy_name: Callable[[str, str], str] = naming.shadow_index

    def copy_indexes(self, name_of: Callable[[str, str], str]) -> None:
        """Build copies of the column's indexes on the replacement (named by *name_of*)."""
        self.copy_name = name_of
        self.ctx.run(
            build_copies(
                self.ctx,
                self.table,
                self.indexes,
                self.column,
                self.replacement,
                name_of,
                self.schema,
            )
        )

    def run(
        self, retired: str, drop_retired: bool, old_trigger: Any, new_trigger: Any = None
    ) -> None:
        """Prove NOT NULL, then swap in one transaction."""
        ctx, t, s = self.ctx, self.table, self.schema
        facts = self.facts or {}
        not_null = self.facts is not None and not facts["nullable"]
        default = facts.get("default")
        # the old column's definition (for MODIFY …), under *retired* once swapped
        info = ctx.column(t, retired, s) if self.swapped else self.info
        if info is not None:
            info = {**info, **facts}
        if not_null and not self.swapped:
            ctx.run(ctx.not_null_safe(t, self.replacement, s))
        from ..dual_write import disable_plan, enable_plan

        plan = [*disable_plan(old_trigger, ctx.dialect)]
        plan += ctx.ddl_impl.swap_columns(t, self.column, retired, self.replacement, s)
        if default is not None:
            plan += [
                ctx.set_default(t, retired, None, s),
                ctx.set_default(t, self.column, default, s),
            ]
        if not_null and not drop_retired:
            plan.append(ctx.nullable(t, retired, True, s, info))
        dialect = ctx.dialect.name
        if drop_retired:
            plan.append(ctx.drop_column(t, retired, s))
        else:
            for i in self.indexes:
                plan += rename_index(
                    ctx, t, i.name, naming.shadow_index(i.name, dialect), s, i,
                    replace_column(i.columns, self.column, retired),
                )  # fmt: skip
        for i in self.indexes:
            plan += rename_index(ctx, t, self.copy_name(i.name, dialect), i.name, s, i, i.columns)
        if new_trigger is not None:
            plan += enable_plan(new_trigger, ctx.dialect)
        ctx.ddl_impl.locked(t, s, plan)


def _facts(info: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the swap moves from the old column: NOT NULL and the default (``None`` offline)."""
    if info is None:
        return None
    return {"nullable": bool(info["nullable"]), "default": info.get("default")}
