"""What a backfill does (data) and the key it pages on."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ..errors import SchemaObjectError


@dataclasses.dataclass(frozen=True)
class BackfillSpec:
    """``UPDATE table SET column = expression … WHERE where``, done in key-ordered batches.

    :param table: the table.
    :param set: column → SQL expression over the table's columns. The expression is
        user SQL passed through as is (it is an expression, not a name); the column
        names are quoted by the dialect.
    :param where: optional SQL condition (passed through) limiting the rows.
    :param schema: the table's schema.
    :param key: the columns to page on; discovered (primary key, else a unique index
        on NOT NULL columns) when not given.
    :param params: values for ``:name`` placeholders in *set* and *where*; everything
        else in them (colons, comments) reaches the database exactly as written.
    """

    table: str
    set: Mapping[str, str]
    where: str | None = None
    schema: str | None = None
    key: tuple[str, ...] | None = None
    params: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.params:
            from ..sql.raw import check_params

            fragments = {f"set[{c!r}]": e for c, e in self.set.items()}
            if self.where:
                fragments["where="] = self.where
            check_params(fragments, self.params)

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns written."""
        return tuple(self.set)

    @property
    def qualified(self) -> str:
        """``schema.table`` for messages."""
        return f"{self.schema}.{self.table}" if self.schema else self.table


def _inspector(connection: Any) -> Any:
    from ..sql.reflect import inspector as inspect

    return inspect(connection)


def check_table(connection: Any, table: str, schema: str | None) -> list[dict[str, Any]]:
    """The table's columns (as the inspector reports them); an unknown table is an error."""
    insp = _inspector(connection)
    if not insp.has_table(table, schema=schema):
        where = f" in schema {schema!r}" if schema else ""
        raise SchemaObjectError(
            f"Table {table!r} does not exist{where}; check the table name in the migration."
        )
    columns: list[dict[str, Any]] = insp.get_columns(table, schema=schema)
    return columns


def check_columns(connection: Any, table: str, schema: str | None, names: tuple[str, ...]) -> None:
    """Raise one clear error if any of *names* is not a column of *table*."""
    known = {c["name"] for c in check_table(connection, table, schema)}
    for name in names:
        if name not in known:
            raise SchemaObjectError(
                f"Column {name!r} does not exist on table {table!r}; existing columns: "
                f"{', '.join(sorted(known))}."
            )


def find_key(connection: Any, table: str, schema: str | None) -> tuple[str, ...]:
    """The primary key of *table*, else its first unique index on NOT NULL columns."""
    columns = check_table(connection, table, schema)
    insp = _inspector(connection)
    pk = insp.get_pk_constraint(table, schema=schema).get("constrained_columns") or []
    if pk:
        return tuple(pk)
    not_null = {c["name"] for c in columns if not c.get("nullable", True)}
    for index in insp.get_indexes(table, schema=schema):
        cols = [c for c in index.get("column_names") or [] if c is not None]
        if index.get("unique") and cols and all(c in not_null for c in cols):
            return tuple(cols)
    raise SchemaObjectError(
        f"Table {table!r} has no primary key or unique index on NOT NULL columns, so it cannot "
        f"be backfilled in batches; add a primary key (or pass key=[...] naming unique columns)."
    )
