"""MySQL / MariaDB DDL of the pattern ops (rename, type change, split/merge, drop …).

* Columns are added and dropped ``ALGORITHM=INSTANT`` where the server version can
  (:mod:`~alembic_zdm.dialects.capabilities`), else ``ALGORITHM=INPLACE, LOCK=NONE``;
  MySQL 8.0.29 always gets INPLACE (its INSTANT add/drop could corrupt the table), and
  on 8.0.29+ an INSTANT change is refused when the table is within
  ``ROW_VERSION_MARGIN`` of the 64 row-version limit (ZDM133).
* NOT NULL and nullability changes are ``MODIFY COLUMN`` with the full definition,
  read from the database (MySQL has no ``ALTER COLUMN … SET NOT NULL``).
* The column swap runs between ``LOCK TABLES t WRITE`` and ``UNLOCK TABLES`` (the
  unlock runs even when a step fails), so no write slips between dropping the sync
  trigger and renaming the columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ...dialects.base import guard
from ...dialects.capabilities import INSTANT_ROW_VERSION_LIMIT, ROW_VERSION_MARGIN
from ...errors import UnsupportedDialectError
from ...sql import mysql as my
from ...sql.statement import LockLevel, Statement, TimeoutClass
from .._ddl import ColumnDdl, NameOf, register_column_ddl

if TYPE_CHECKING:
    from ...dialects.mysql import MySQLSupport
    from .._conversion import Conversion
    from .._indexes import IndexCopy

_REFERENCING = (
    "SELECT table_name AS tbl, constraint_name AS name FROM "
    "information_schema.referential_constraints WHERE constraint_schema = "
    "COALESCE(:schema, DATABASE()) AND referenced_table_name = :table AND table_name <> :table"
)


@register_column_ddl("mysql", "mariadb")
class MySQLColumnDdl(ColumnDdl):
    """Explicit-algorithm ``ALTER TABLE`` statements, each re-runnable."""

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        from ...dialects import dialect_support

        self.support: MySQLSupport = dialect_support(ctx.dialect)  # type: ignore[assignment]
        self.caps = self.support.caps

    def _alter(
        self,
        table: str,
        schema: str | None,
        actions: list[str],
        algorithm: my.Algorithm,
        description: str,
        done: str | None = None,
        **params: object,
    ) -> Statement:
        wait = self.support.wait_ms(self.ctx.settings.lock_timeout_ms)
        online = algorithm is my.Algorithm.INPLACE
        return Statement(
            my.alter(self.q, table, actions, algorithm, schema=schema, wait_ms=wait),
            lock=LockLevel.SHARE_UPDATE_EXCLUSIVE if online else LockLevel.ACCESS_EXCLUSIVE,
            timeout_class=TimeoutClass.ONLINE if online else TimeoutClass.DDL,
            table=table,
            schema=schema,
            description=description,
            done_check=done,
            done_params={"schema": schema, "table": table, **params},
        )

    # ---- columns

    def convert(self, expression: str, type_sql: str) -> str:
        """MySQL's ``CAST`` knows few target types; assignment converts (strictly, in
        strict mode), so the plain expression is the default conversion."""
        return expression

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
        """Stored functions of the column's value with an error-and-warning handler:
        see :func:`~alembic_zdm.ops._conversion.mysql_conversion`."""
        from .._conversion import mysql_conversion

        old_type = info["type"] if info is not None else None
        return mysql_conversion(self, table, column, using, new_type, old_type, fallback, schema)

    def add_column(self, table: str, column: Any, schema: str | None) -> Statement:
        spec = my.column_spec(self.dialect, column)
        algorithm = my.Algorithm.INSTANT if self.caps.instant_add_column else my.Algorithm.INPLACE
        return self._alter(
            table, schema, [my.add_column(spec)], algorithm, f"add column {table}.{column.name}",
            my.COLUMN_EXISTS, column=column.name,
        )  # fmt: skip

    def _indexed(self, table: str, column: str, schema: str | None) -> bool:
        """True when *column* is in an index — or is not there yet (a column the same
        plan renames into place may be indexed), so INSTANT would be refused."""
        if self.ctx.offline:
            return False
        from ...sql.reflect import inspector as inspect

        insp = inspect(self.ctx.connection)
        if column not in {c["name"] for c in insp.get_columns(table, schema=schema)}:
            return True
        indexes = insp.get_indexes(table, schema=schema)
        return any(column in (i.get("column_names") or []) for i in indexes)

    def comment(
        self, table: str, column: str, comment: str | None, schema: str | None
    ) -> list[Statement]:
        """Nothing: the comment is part of the column definition ``add_column`` wrote."""
        return []

    def drop_column(self, table: str, name: str, schema: str | None) -> Statement:
        instant = self.caps.instant_drop_column and not self._indexed(table, name, schema)
        algorithm = my.Algorithm.INSTANT if instant else my.Algorithm.INPLACE
        return self._alter(
            table, schema, [my.drop_column(self.q, name)], algorithm,
            f"drop column {table}.{name}", my.COLUMN_ABSENT, column=name,
        )  # fmt: skip

    def rename(self, table: str, old: str, new: str, schema: str | None) -> Statement:
        instant = self.caps.instant_rename_column
        algorithm = my.Algorithm.INSTANT if instant else my.Algorithm.INPLACE
        return self._alter(
            table, schema, [my.rename_column(self.q, old, new)], algorithm,
            f"rename {table}.{old} to {new}", my.COLUMN_EXISTS, column=new,
        )  # fmt: skip

    def swap_columns(
        self, table: str, column: str, retired: str, replacement: str, schema: str | None
    ) -> list[Statement]:
        """One ``ALTER TABLE … RENAME COLUMN column TO retired, RENAME COLUMN replacement
        TO column``: MySQL commits each DDL statement, so two renames killed between
        them would leave no *column* at all, a state neither a re-run nor the undo can
        plan from. One statement is atomic; it is done once *replacement* is gone."""
        instant = self.caps.instant_rename_column
        algorithm = my.Algorithm.INSTANT if instant else my.Algorithm.INPLACE
        actions = [
            my.rename_column(self.q, column, retired),
            my.rename_column(self.q, replacement, column),
        ]
        return [
            self._alter(
                table, schema, actions, algorithm,
                f"swap {table}.{column} for {replacement} (the old one renamed to {retired})",
                my.COLUMN_ABSENT, column=replacement,
            )
        ]  # fmt: skip

    def set_default(
        self, table: str, column: str, default: str | None, schema: str | None
    ) -> Statement:
        action = my.column_default(self.q, column, default)
        return self._alter(
            table, schema, [action], my.Algorithm.INSTANT, f"default of {table}.{column}"
        )

    def omittable(
        self, table: str, column: str, info: dict[str, Any] | None, schema: str | None
    ) -> list[Statement]:
        """MySQL/MariaDB reject an INSERT that leaves out a NOT NULL column without a
        default *before* BEFORE triggers run (error 1364), so new code writing only the
        new column of a rename would fail. Give the old column its type's implicit
        default (INSTANT); the trigger still writes the real value."""
        implicit = _implicit_default(info)
        if implicit is None:
            return []
        return [self.set_default(table, column, implicit, schema)]

    def unomittable(
        self, table: str, column: str, info: dict[str, Any] | None, schema: str | None
    ) -> list[Statement]:
        return [self.set_default(table, column, None, schema)]

    def nullable(
        self,
        table: str,
        column: str,
        nullable: bool,
        schema: str | None,
        info: dict[str, Any] | None = None,
    ) -> Statement:
        from sqlalchemy import Column, text

        info = info if info is not None else self.ctx.column(table, column, schema)
        if info is None:
            raise UnsupportedDialectError(
                f"Changing the nullability of {table}.{column} on MySQL/MariaDB rewrites the "
                "column definition (MODIFY), which offline SQL cannot read; run it online."
            )
        default = info.get("default")
        spec = my.column_spec(
            self.dialect,
            Column(
                column, info["type"], nullable=nullable,
                server_default=text(default) if default is not None else None,
                comment=info.get("comment"),
            ),
        )  # fmt: skip
        what = "drop NOT NULL" if nullable else "set NOT NULL"
        done = my.COLUMN_NULLABLE if nullable else my.COLUMN_NOT_NULL
        return self._alter(
            table, schema, [my.modify_column(spec)], my.Algorithm.INPLACE,
            f"{what} on {table}.{column}", done, column=column,
        )  # fmt: skip

    def drop_table(self, table: str, schema: str | None) -> Statement:
        wait = self.support.wait_ms(self.ctx.settings.lock_timeout_ms)
        suffix = f" {my.wait_clause(wait)}" if wait else ""
        return Statement(
            f"DROP TABLE IF EXISTS {self.q.table(table, schema)}{suffix}",
            lock=LockLevel.ACCESS_EXCLUSIVE, table=table, schema=schema,
            description=f"drop table {table}",
        )  # fmt: skip

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
        plan = []
        for index in indexes:
            name = name_of(index.name, self.support.name)
            cols = [target if c == source else c for c in index.columns]
            add = my.add_index(self.q, name, cols, unique=index.unique)
            plan.append(
                self._alter(
                    table,
                    schema,
                    [add],
                    my.Algorithm.INPLACE,
                    f"copy index {index.name} onto {table}.{target}",
                    my.INDEX_EXISTS,
                    name=name,
                )  # fmt: skip
            )
        return plan

    def drop_copies(
        self, table: str, indexes: list[IndexCopy], name_of: NameOf, schema: str | None
    ) -> list[Statement]:
        plan = []
        for index in indexes:
            name = name_of(index.name, self.support.name)
            plan.append(
                self._alter(
                    table,
                    schema,
                    [my.drop_index(self.q, name)],
                    my.Algorithm.INPLACE,
                    f"drop the copy of index {index.name}",
                    my.INDEX_ABSENT,
                    name=name,
                )  # fmt: skip
            )
        return plan

    def rename_index(
        self,
        table: str,
        old: str,
        new: str,
        schema: str | None,
        columns: Sequence[str],
        unique: bool,
    ) -> list[Statement]:
        action = my.rename_index(self.q, old, new)
        return [
            self._alter(
                table,
                schema,
                [action],
                my.Algorithm.INPLACE,
                f"rename index {old} to {new}",
                my.INDEX_ABSENT,
                name=old,
            )  # fmt: skip
        ]

    def drop_dependents(
        self, table: str, schema: str | None, column: str | None = None
    ) -> list[Statement]:
        from sqlalchemy import text

        from ...sql.reflect import inspector as inspect

        insp = inspect(self.ctx.connection)
        plan: list[Statement] = []
        for fk in insp.get_foreign_keys(table, schema=schema):
            if column is None or column in fk["constrained_columns"]:
                plan.append(self._drop_fk(table, schema, str(fk["name"])))
        if column is None:
            rows = self.ctx.connection.execute(
                text(_REFERENCING), {"schema": schema, "table": table}
            )
            plan += [self._drop_fk(r.tbl, schema, r.name) for r in rows]
            return plan
        for index in insp.get_indexes(table, schema=schema):
            if column in (index.get("column_names") or []):
                name = str(index["name"])
                plan.append(
                    self._alter(
                        table,
                        schema,
                        [my.drop_index(self.q, name)],
                        my.Algorithm.INPLACE,
                        f"drop index {name}",
                        my.INDEX_ABSENT,
                        name=name,
                    )  # fmt: skip
                )
        return plan

    def _drop_fk(self, table: str, schema: str | None, name: str) -> Statement:
        return self._alter(
            table, schema, [my.drop_foreign_key(self.q, name)], my.Algorithm.INPLACE,
            f"drop foreign key {name} of {table}", my.CONSTRAINT_ABSENT, name=name,
        )  # fmt: skip

    # ---- running

    def prepare(self, plan: list[Statement]) -> list[Statement]:
        """Put the 64-row-version guard before each INSTANT add/drop column (8.0.29+)."""
        if not self.caps.instant_row_versions:
            return plan
        out: list[Statement] = []
        for statement in plan:
            sql = statement.sql
            if sql.endswith(my.Algorithm.INSTANT.value) and " COLUMN " in sql and statement.table:
                out.append(self._row_version_guard(statement.table, statement.schema))
            out.append(statement)
        return out

    def _row_version_guard(self, table: str, schema: str | None) -> Statement:
        limit = INSTANT_ROW_VERSION_LIMIT - ROW_VERSION_MARGIN
        return guard(
            self.q, my.ROW_VERSIONS,
            f"Table {table!r} has gone through {limit} or more INSTANT column changes and "
            f"MySQL allows {INSTANT_ROW_VERSION_LIMIT}; rebuild it online first "
            "(ALTER TABLE … FORCE, ALGORITHM=INPLACE, LOCK=NONE) and run the phase again",
            kind="schema", params={"schema": schema, "table": table, "limit": limit},
        )  # fmt: skip

    def locked(self, table: str, schema: str | None, plan: list[Statement]) -> None:
        wait = self.support.wait_ms(self.ctx.settings.lock_timeout_ms)
        from ...phases.progress import current_progress

        # the state table too when the runner records each statement of the section there
        also = []
        if current_progress() is not None:
            also.append((self.ctx.settings.state_table, self.ctx.mc.version_table_schema))
        lock = Statement(
            my.lock_tables(self.q, table, schema, wait, also=also),
            lock=LockLevel.ACCESS_EXCLUSIVE, table=table, schema=schema,
            description=f"lock {table} for the column swap",
        )  # fmt: skip
        unlock = Statement(my.UNLOCK_TABLES, timeout_class=TimeoutClass.NONE)
        self.ctx.run([lock])
        try:
            self.ctx.run(plan)
        finally:
            self.ctx.run([unlock])


def _implicit_default(info: dict[str, Any] | None) -> str | None:
    """``0`` or ``''`` for a NOT NULL column without a default, by its type; else None."""
    from sqlalchemy import types

    if info is None or info.get("nullable", True) or info.get("default") is not None:
        return None
    kind = info.get("type")
    if isinstance(kind, (types.Integer, types.Numeric, types.Boolean)):
        return "0"
    if isinstance(kind, types.String):
        return "('')" if isinstance(kind, types.Text) else "''"
    raise UnsupportedDialectError(
        f"Column of type {kind} is NOT NULL without a default: MySQL/MariaDB would reject "
        "INSERTs of the new code before the dual-write trigger runs; give it a server "
        "default first (ALTER COLUMN … SET DEFAULT), then rename."
    )
