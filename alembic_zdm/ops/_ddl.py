"""Column and index DDL of the pattern ops, per dialect (STYLE habit 2).

The pattern ops (:mod:`~alembic_zdm.ops.rename`, ``column_type``, ``reshape`` …) say
*what* changes (add this column, rename that index); a :class:`ColumnDdl` registered
for the dialect says *how*. :class:`ColumnDdl` itself is the PostgreSQL form: Alembic's
own DDL elements, ``CREATE INDEX CONCURRENTLY``, ``LOCK TABLE`` for the column swap.
MySQL/MariaDB (``ops/dialect_plans/mysql_ddl.py``) and SQLite (``ops/dialect_plans/sqlite_ddl.py``)
subclass it, loaded by :func:`~alembic_zdm.ops.dialect_plans.load` on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from ..sql.quoting import Quoter
from ..sql.statement import LockLevel, Statement, TimeoutClass

if TYPE_CHECKING:
    from ._conversion import Conversion
    from ._indexes import IndexCopy

NameOf = Callable[[str, str], str]


class ColumnDdl:
    """How the pattern ops' steps become statements (this class: PostgreSQL)."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.dialect = ctx.dialect
        self.q = Quoter(ctx.dialect)

    # ---- columns

    def convert(self, expression: str, type_sql: str) -> str:
        """SQL converting *expression* to *type_sql* (the default ``using=`` of a type change)."""
        return f"CAST({expression} AS {type_sql})"

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
        """How to compute *using* (default: :meth:`convert` of the column) as *new_type*
        without ever failing a write; see :mod:`~alembic_zdm.ops._conversion`.

        *info*: the column's catalog entry (``None`` offline).
        """
        from ._conversion import postgresql_conversion

        type_sql = str(new_type.compile(dialect=self.dialect))
        expr = using if using is not None else self.convert(self.q.name(column), type_sql)
        return postgresql_conversion(self, table, column, expr, type_sql, fallback, schema)

    def ddl(
        self, element: Any, table: str, description: str, schema: str | None = None
    ) -> Statement:
        """An ACCESS EXCLUSIVE, short-lock-timeout statement from an Alembic DDL element."""
        return Statement(
            str(element.compile(dialect=self.dialect)),
            lock=LockLevel.ACCESS_EXCLUSIVE,
            timeout_class=TimeoutClass.DDL,
            table=table,
            schema=schema,
            description=description,
        )

    def add_column(self, table: str, column: Any, schema: str | None) -> Statement:
        from alembic.ddl.base import AddColumn

        return self.ddl(
            AddColumn(table, column, schema=schema), table, f"add column {table}.{column.name}"
        )

    def comment(
        self, table: str, column: str, comment: str | None, schema: str | None
    ) -> list[Statement]:
        """Give a just-added *column* its *comment* (PostgreSQL: ``COMMENT ON COLUMN``).

        Where the comment is part of the column definition (MySQL) ``add_column`` has
        set it already, and SQLite has no comments: nothing to do there.
        """
        if comment is None:
            return []
        from alembic.ddl.base import ColumnComment

        element = ColumnComment(table, column, comment, schema=schema)
        return [self.ddl(element, table, f"comment of {table}.{column}", schema)]

    def drop_column(self, table: str, name: str, schema: str | None) -> Statement:
        from alembic.ddl.base import DropColumn
        from sqlalchemy import Column, Integer

        return self.ddl(
            DropColumn(table, Column(name, Integer), schema=schema),
            table,
            f"drop column {table}.{name}",
        )

    def rename(self, table: str, old: str, new: str, schema: str | None) -> Statement:
        from alembic.ddl.base import ColumnName

        return self.ddl(
            ColumnName(table, old, new, schema=schema), table, f"rename {table}.{old} to {new}"
        )

    def swap_columns(
        self, table: str, column: str, retired: str, replacement: str, schema: str | None
    ) -> list[Statement]:
        """Rename *column* to *retired* and *replacement* to *column*.

        Here two renames: the column swap runs them in one transaction. Where DDL
        commits by itself (MySQL) they must be one statement, so that a kill leaves
        either both names or neither (see the MySQL form).
        """
        return [
            self.rename(table, column, retired, schema),
            self.rename(table, replacement, column, schema),
        ]

    def set_default(
        self, table: str, column: str, default: str | None, schema: str | None
    ) -> Statement:
        from alembic.ddl.base import ColumnDefault
        from sqlalchemy import text

        value = text(default) if default is not None else None
        return self.ddl(
            ColumnDefault(table, column, value, schema=schema),
            table,
            f"default of {table}.{column}",
        )

    def omittable(
        self, table: str, column: str, info: dict[str, Any] | None, schema: str | None
    ) -> list[Statement]:
        """Let an INSERT leave out *column* while a dual-write trigger fills it.

        PostgreSQL checks NOT NULL after BEFORE triggers ran: nothing to do.
        """
        return []

    def unomittable(
        self, table: str, column: str, info: dict[str, Any] | None, schema: str | None
    ) -> list[Statement]:
        """Undo :meth:`omittable`."""
        return []

    def nullable(
        self,
        table: str,
        column: str,
        nullable: bool,
        schema: str | None,
        info: dict[str, Any] | None = None,
    ) -> Statement:
        """*info*: the column's catalog entry when the plan renames it into place first."""
        from alembic.ddl.base import ColumnNullable

        what = "drop NOT NULL" if nullable else "set NOT NULL"
        return self.ddl(
            ColumnNullable(table, column, nullable, schema=schema),
            table,
            f"{what} on {table}.{column}",
        )

    def drop_table(self, table: str, schema: str | None) -> Statement:
        from sqlalchemy import MetaData, Table
        from sqlalchemy.schema import DropTable

        element = DropTable(Table(table, MetaData(), schema=schema))
        return self.ddl(element, table, f"drop table {table}", schema)

    # ---- indexes

    def build_copies(
        self,
        table: str,
        indexes: list[IndexCopy],
        source: str,
        target: str,
        name_of: NameOf,
        schema: str | None,
    ) -> list[Statement]:
        """Copies of *indexes* with *source* replaced by *target*, named by *name_of*."""
        from ._indexes import pg_build_copies

        return pg_build_copies(self.ctx, table, indexes, source, target, name_of, schema)

    def drop_copies(
        self, table: str, indexes: list[IndexCopy], name_of: NameOf, schema: str | None
    ) -> list[Statement]:
        """Drop the copies made by :meth:`build_copies`."""
        from ._indexes import pg_drop_copies

        return pg_drop_copies(self.ctx, indexes, name_of, schema)

    def rename_index(
        self,
        table: str,
        old: str,
        new: str,
        schema: str | None,
        columns: Sequence[str],
        unique: bool,
    ) -> list[Statement]:
        """Give index *old* (now on *columns*) the name *new*."""
        from ._indexes import pg_rename_index

        return [pg_rename_index(self.ctx, table, old, new, schema)]

    def drop_dependents(
        self, table: str, schema: str | None, column: str | None = None
    ) -> list[Statement]:
        """Indexes and foreign keys to drop before *column* (or the whole *table*)."""
        from ._tables_sql import pg_drop_dependents_plan

        return pg_drop_dependents_plan(self.ctx, table, schema, column)

    # ---- running

    def prepare(self, plan: list[Statement]) -> list[Statement]:
        """Last look at a plan before it runs (MySQL adds version guards here)."""
        return plan

    def locked(self, table: str, schema: str | None, plan: list[Statement]) -> None:
        """Run *plan* as one short exclusive section on *table* (the column swap)."""
        lock = Statement(
            f"LOCK TABLE {self.q.table(table, schema)} IN ACCESS EXCLUSIVE MODE",
            lock=LockLevel.ACCESS_EXCLUSIVE, timeout_class=TimeoutClass.DDL, table=table,
            schema=schema, description=f"lock {table} for the column swap",
        )  # fmt: skip
        self.ctx.run([lock, *plan])


_DDL: dict[str, type[ColumnDdl]] = {"postgresql": ColumnDdl}

D = TypeVar("D", bound=type[ColumnDdl])


def register_column_ddl(*names: str) -> Callable[[D], D]:
    """Class decorator: *cls* builds the pattern ops' DDL for dialects *names*."""

    def decorate(cls: D) -> D:
        for name in names:
            if name in _DDL:
                raise ValueError(f"Column DDL for {name!r} is already registered.")
            _DDL[name] = cls
        return cls

    return decorate


def column_ddl(ctx: Any) -> ColumnDdl:
    """The :class:`ColumnDdl` of *ctx*'s dialect (its dialect module is loaded first)."""
    from ..dialects import dialect_support
    from ..errors import UnsupportedDialectError
    from .dialect_plans import load

    support = dialect_support(ctx.dialect)
    load(support.name)
    cls = _DDL.get(support.name)
    if cls is None:
        raise UnsupportedDialectError(
            f"The multi-phase operations do not support the {support.name!r} database yet; "
            f"supported: {', '.join(sorted(_DDL))}."
        )
    return cls(ctx)
