"""Carry a column's indexes over to its replacement (rename, type change).

Plain indexes on the column (one or more columns, unique or not, any access method,
INCLUDE columns) are rebuilt ``CONCURRENTLY`` on the replacement column under a
``zdm_new_<index>`` name; when the old column is dropped, the copies take the
original names. Expression and partial indexes cannot be rewritten safely and are
refused up front with the index named.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from ..errors import SchemaObjectError
from ..sql import postgresql as pg
from ..sql.quoting import Quoter
from ..sql.statement import LockLevel, Statement, TimeoutClass


@dataclasses.dataclass(frozen=True)
class IndexCopy:
    """An index on the column, as needed to rebuild it elsewhere."""

    name: str
    columns: tuple[str, ...]
    unique: bool
    using: str | None
    include: tuple[str, ...]


def classify(index: Any) -> tuple[IndexCopy | None, str]:
    """A reflected index (``Inspector.get_indexes``) as an :class:`IndexCopy`, or ``None``
    with its expressions and ``WHERE`` as text when it is an expression or partial index."""
    cols = list(index.get("column_names") or [])
    options = index.get("dialect_options") or {}
    where = options.get("postgresql_where")
    if where is None:
        where = options.get("sqlite_where")
    if None in cols or where is not None:
        text = " ".join(str(e) for e in index.get("expressions") or [])
        return None, text + ("" if where is None else f" {where}")
    copy = IndexCopy(
        index["name"],
        tuple(cols),
        bool(index.get("unique")),
        options.get("postgresql_using"),
        tuple(index.get("include_columns") or ()),
    )
    return copy, ""


def column_indexes(ctx: Any, table: str, column: str, schema: str | None) -> list[IndexCopy]:
    """The plain indexes on *column* (``[]`` offline); refuses what cannot be rebuilt."""
    if ctx.catalog is None:
        return []
    from ..sql.reflect import inspector as inspect

    if ctx.offline and not inspect(ctx.catalog).has_table(table, schema=schema):
        return []  # planning ahead: an earlier pending phase creates the table
    found = []
    for index in inspect(ctx.catalog).get_indexes(table, schema=schema):
        copy, _ = classify(index)
        if copy is None:
            raise SchemaObjectError(
                f"Index {index['name']!r} on {table!r} is an expression or partial index, which "
                f"cannot be carried over automatically; drop it before this migration and "
                f"recreate it afterwards with op.add_index_concurrently."
            )
        if column in copy.columns:
            found.append(copy)
    return found


def first_seen_indexes(
    ctx: Any, table: str, column: str, schema: str | None, key: str | None = None
) -> list[IndexCopy]:
    """:func:`column_indexes` as the step's first attempt saw them (a re-run after a
    kill may find the column, and its indexes, already dropped).

    *key*: the checkpoint key (default ``indexes:<table>.<column>``, which
    :func:`saved_indexes` reads).
    """
    return list(
        ctx.first_seen(
            key or f"indexes:{table}.{column}",
            lambda: column_indexes(ctx, table, column, schema),
            encode=lambda found: [dataclasses.asdict(i) for i in found],
            decode=lambda saved: [
                IndexCopy(
                    d["name"], tuple(d["columns"]), d["unique"], d["using"], tuple(d["include"])
                )
                for d in saved
            ],
        )
    )


def saved_indexes(ctx: Any, table: str, column: str) -> list[IndexCopy] | None:
    """What :func:`first_seen_indexes` kept for this step's phase row, or ``None``."""
    run = _phase_run()
    if run is None or run.checkpoints is None or ctx.offline:
        return None
    saved = run.checkpoints.load(ctx.connection, f"indexes:{table}.{column}")
    return None if saved is None else _decode(saved)


def _decode(saved: Any) -> list[IndexCopy]:
    return [
        IndexCopy(d["name"], tuple(d["columns"]), d["unique"], d["using"], tuple(d["include"]))
        for d in saved
    ]


def _phase_run() -> Any:
    from ..phases.context import current_phase_run

    return current_phase_run()


def pg_build_copies(
    ctx: Any,
    table: str,
    indexes: list[IndexCopy],
    source: str,
    target: str,
    name_of: Callable[[str, str], str],
    schema: str | None,
) -> list[Statement]:
    """``CREATE INDEX CONCURRENTLY`` of each index with *source* replaced by *target*."""
    q = Quoter(ctx.dialect)
    plan = []
    for index in indexes:
        name = name_of(index.name, ctx.dialect.name)
        cols = [target if c == source else c for c in index.columns]
        using = index.using if index.using and index.using != "btree" else None
        sql = pg.create_index(
            q, name, table, cols, schema=schema, unique=index.unique, using=using,
            include=index.include, concurrently=True,
        )  # fmt: skip
        plan.append(
            Statement(
                sql,
                lock=LockLevel.SHARE_UPDATE_EXCLUSIVE,
                timeout_class=TimeoutClass.CONCURRENT,
                autocommit=True,
                table=table,
                schema=schema,
                scans=True,
                builds_index=name,
                description=f"copy index {index.name} onto {table}.{target}",
            )  # fmt: skip
        )
    return plan


def pg_drop_copies(
    ctx: Any, indexes: list[IndexCopy], name_of: Callable[[str, str], str], schema: str | None
) -> list[Statement]:
    """``DROP INDEX CONCURRENTLY IF EXISTS`` of each copy."""
    q = Quoter(ctx.dialect)
    return [
        Statement(
            pg.drop_index(q, name_of(i.name, ctx.dialect.name), schema=schema, concurrently=True),
            lock=LockLevel.SHARE_UPDATE_EXCLUSIVE,
            timeout_class=TimeoutClass.CONCURRENT,
            autocommit=True,
            description=f"drop the copy of index {i.name}",
        )  # fmt: skip
        for i in indexes
    ]


def pg_rename_index(ctx: Any, table: str, old: str, new: str, schema: str | None) -> Statement:
    """``ALTER INDEX old RENAME TO new`` (brief ACCESS EXCLUSIVE on the index)."""
    q = Quoter(ctx.dialect)
    return Statement(
        f"ALTER INDEX {q.table(old, schema)} RENAME TO {q.name(new)}",
        lock=LockLevel.ACCESS_EXCLUSIVE, timeout_class=TimeoutClass.DDL, table=table,
        schema=schema, description=f"rename index {old} to {new}",
    )  # fmt: skip


# ---------------------------------------------------------------- per-dialect entry points


def build_copies(
    ctx: Any,
    table: str,
    indexes: list[IndexCopy],
    source: str,
    target: str,
    name_of: Callable[[str, str], str],
    schema: str | None,
) -> list[Statement]:
    """Online copies of each index with *source* replaced by *target* (dialect's DDL)."""
    plan: list[Statement] = ctx.ddl_impl.build_copies(
        table, indexes, source, target, name_of, schema
    )
    return plan


def drop_copies(
    ctx: Any,
    indexes: list[IndexCopy],
    name_of: Callable[[str, str], str],
    schema: str | None,
    table: str = "",
) -> list[Statement]:
    """Drop the copies made by :func:`build_copies`."""
    plan: list[Statement] = ctx.ddl_impl.drop_copies(table, indexes, name_of, schema)
    return plan


def rename_index(
    ctx: Any,
    table: str,
    old: str,
    new: str,
    schema: str | None,
    index: IndexCopy | None = None,
    columns: tuple[str, ...] | None = None,
) -> list[Statement]:
    """Index *old* takes the name *new*; *index* / *columns* describe it now (SQLite
    has no ``RENAME INDEX`` and recreates it)."""
    cols = columns if columns is not None else (index.columns if index else ())
    unique = bool(index.unique) if index else False
    plan: list[Statement] = ctx.ddl_impl.rename_index(table, old, new, schema, cols, unique)
    return plan


def replace_column(columns: tuple[str, ...], source: str, target: str) -> tuple[str, ...]:
    """*columns* with *source* replaced by *target*."""
    return tuple(target if c == source else c for c in columns)
