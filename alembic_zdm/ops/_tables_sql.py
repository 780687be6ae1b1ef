"""What has to go before a column or table is dropped: its indexes and foreign keys."""

from __future__ import annotations

from typing import Any

from ..sql import postgresql as pg
from ..sql.quoting import Quoter
from ..sql.statement import LockLevel, Statement, TimeoutClass

_REFERENCING = (
    "SELECT c.conrelid::regclass::text AS rel, r.relname AS tbl, n.nspname AS nsp, "
    "c.conname AS name FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid "
    "JOIN pg_namespace n ON n.oid = r.relnamespace "
    "WHERE c.contype = 'f' AND c.confrelid = to_regclass(:rel) AND c.conrelid <> c.confrelid"
)


def drop_dependents_plan(
    ctx: Any, table: str, schema: str | None, column: str | None = None
) -> list[Statement]:
    """What must go before *column* (or *table*) is dropped, in the dialect's DDL."""
    if ctx.offline:
        return []
    plan: list[Statement] = ctx.ddl_impl.drop_dependents(table, schema, column)
    return plan


def pg_drop_dependents_plan(
    ctx: Any, table: str, schema: str | None, column: str | None = None
) -> list[Statement]:
    """``DROP INDEX CONCURRENTLY`` of the indexes on *column* (or all of *table*'s), then
    ``DROP CONSTRAINT`` of the foreign keys from it (and, for a table, into it)."""
    if ctx.offline:
        return []
    from sqlalchemy import text

    from ..sql.reflect import inspector as inspect

    q = Quoter(ctx.dialect)
    insp = inspect(ctx.connection)
    plan: list[Statement] = []
    for index in insp.get_indexes(table, schema=schema):
        cols = index.get("column_names") or []
        if index.get("duplicates_constraint") or (column is not None and column not in cols):
            continue
        plan.append(
            Statement(
                pg.drop_index(q, index["name"], schema=schema, concurrently=True),
                lock=LockLevel.SHARE_UPDATE_EXCLUSIVE,
                timeout_class=TimeoutClass.CONCURRENT,
                autocommit=True,
                table=table,
                schema=schema,
                description=f"drop index {index['name']} concurrently",
            )  # fmt: skip
        )
    for fk in insp.get_foreign_keys(table, schema=schema):
        if column is None or column in fk["constrained_columns"]:
            plan.append(_drop_fk(q, table, schema, fk["name"]))
    if column is None:
        rows = ctx.connection.execute(text(_REFERENCING), {"rel": q.table(table, schema)})
        for row in rows.mappings():
            plan.append(_drop_fk(q, row["tbl"], row["nsp"] if schema else None, row["name"]))
    return plan


def _drop_fk(q: Quoter, table: str, schema: str | None, name: str) -> Statement:
    return Statement(
        pg.drop_constraint(q, name, table, schema=schema),
        lock=LockLevel.ACCESS_EXCLUSIVE, timeout_class=TimeoutClass.DDL, table=table,
        schema=schema, description=f"drop foreign key {name} of {table}",
    )  # fmt: skip
