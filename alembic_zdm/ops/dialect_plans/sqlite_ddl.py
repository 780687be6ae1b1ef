"""SQLite DDL of the pattern ops.

Columns are added, renamed and dropped with SQLite's own ``ALTER TABLE`` (3.35+);
defaults and nullability go through Alembic's batch mode (the table is recreated
in the migration's transaction, triggers kept). Dropping a column first drops the
indexes that use it (SQLite refuses otherwise). SQLite has no ``RENAME INDEX``, so
an index is renamed by dropping it and creating it again under the new name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ...sql.statement import BatchAlter, Statement
from .._ddl import ColumnDdl, NameOf, register_column_ddl
from .sqlite import batch_statement, create_index, index_statement

if TYPE_CHECKING:
    from .._conversion import Conversion
    from .._indexes import IndexCopy


@register_column_ddl("sqlite")
class SqliteColumnDdl(ColumnDdl):
    """Native ``ALTER TABLE`` where SQLite has it, batch mode elsewhere."""

    def comment(
        self, table: str, column: str, comment: str | None, schema: str | None
    ) -> list[Statement]:
        """Nothing: SQLite has no column comments."""
        return []

    def conversion(
        self,
        table: str,
        column: str,
        using: str | None,
        new_type: Any,
        fallback: str | None,
        schema: str | None,
        info: dict[str, Any] | None,
    ) -> Conversion:
        """SQLite's ``CAST`` never fails but makes ``'xyz'`` 0: see
        :func:`~alembic_zdm.ops._conversion.sqlite_conversion`."""
        from .._conversion import sqlite_conversion

        return sqlite_conversion(self, column, using, new_type, fallback)

    def drop_column(self, table: str, name: str, schema: str | None) -> Statement:
        """Batch ``drop_column``; the indexes on the column go first (found when it runs)."""
        batch = BatchAlter.one(table, schema, "drop_column", name)
        return batch_statement(batch, f"drop column {table}.{name} (table recreated)")

    def set_default(
        self, table: str, column: str, default: str | None, schema: str | None
    ) -> Statement:
        from sqlalchemy import text

        value = text(default) if default is not None else None
        batch = BatchAlter.one(table, schema, "alter_column", column, server_default=value)
        return batch_statement(batch, f"default of {table}.{column} (table recreated)")

    def omittable(
        self, table: str, column: str, info: dict[str, Any] | None, schema: str | None
    ) -> list[Statement]:
        """SQLite checks NOT NULL before its (AFTER) dual-write trigger fills the column,
        so a NOT NULL old column without a default becomes nullable (table recreated)."""
        if info is None or info.get("nullable", True) or info.get("default") is not None:
            return []
        return [self.nullable(table, column, True, schema, info)]

    def unomittable(
        self, table: str, column: str, info: dict[str, Any] | None, schema: str | None
    ) -> list[Statement]:
        return [self.nullable(table, column, False, schema, info)]

    def nullable(
        self,
        table: str,
        column: str,
        nullable: bool,
        schema: str | None,
        info: dict[str, Any] | None = None,
    ) -> Statement:
        batch = BatchAlter.one(table, schema, "alter_column", column, nullable=nullable)
        what = "drop NOT NULL" if nullable else "set NOT NULL"
        return batch_statement(batch, f"{what} on {table}.{column} (table recreated)")

    def build_copies(
        self,
        table: str,
        indexes: list[IndexCopy],
        source: str,
        target: str,
        name_of: NameOf,
        schema: str | None,
    ) -> list[Statement]:
        plan = []
        for index in indexes:
            name = name_of(index.name, "sqlite")
            cols = [target if c == source else c for c in index.columns]
            sql = create_index(self.q, name, table, cols, schema=schema, unique=index.unique)
            plan.append(index_statement(sql, table, schema, f"copy index {index.name}"))
        return plan

    def drop_copies(
        self, table: str, indexes: list[IndexCopy], name_of: NameOf, schema: str | None
    ) -> list[Statement]:
        return [
            index_statement(
                f"DROP INDEX IF EXISTS {self.q.table(name_of(i.name, 'sqlite'), schema)}",
                table,
                schema,
                f"drop the copy of index {i.name}",
            )  # fmt: skip
            for i in indexes
        ]

    def rename_index(
        self,
        table: str,
        old: str,
        new: str,
        schema: str | None,
        columns: Sequence[str],
        unique: bool,
    ) -> list[Statement]:
        drop = f"DROP INDEX IF EXISTS {self.q.table(old, schema)}"
        create = create_index(self.q, new, table, list(columns), schema=schema, unique=unique)
        return [
            index_statement(drop, table, schema, f"rename index {old} to {new} (drop)"),
            index_statement(create, table, schema, f"rename index {old} to {new} (create)"),
        ]

    def drop_dependents(
        self, table: str, schema: str | None, column: str | None = None
    ) -> list[Statement]:
        """Nothing: :meth:`drop_column` drops the column's indexes, ``DROP TABLE`` its own."""
        return []

    def locked(self, table: str, schema: str | None, plan: list[Statement]) -> None:
        """SQLite holds the database write lock for the transaction anyway."""
        self.ctx.run(plan)
