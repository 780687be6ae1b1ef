"""Keep what a contract step drops, and bring it back (the steps' side of the archive).

A *runner* here is what a pattern op's :class:`~alembic_zdm.ops._pattern.Ctx` offers
(``connection``, ``settings``, ``dialect``, ``offline``, ``mc``, ``run(plan)``); the
``alembic-zdm archive`` commands pass one built on their ``MigrationContext``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from .. import naming
from ..errors import SchemaObjectError
from ..sql.statement import LockLevel, Statement, TimeoutClass
from .catalog import ArchiveCatalog, ArchiveEntry
from .places import Place, place_for


def _stamp() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d%H%M%S%f")[:-3]


def _revision() -> str:
    from ..phases.context import current_phase_run

    run = current_phase_run()
    return run.revision if run is not None else ""


@contextlib.contextmanager
def outside_transaction(r: Any) -> Iterator[None]:
    """Alembic's ``autocommit_block()``, also where a driver auto-began a transaction."""
    if r.mc._transaction is None and r.connection.in_transaction():
        r.connection.commit()
    with r.mc.autocommit_block():
        yield


def _where(r: Any) -> tuple[Place, str | None, ArchiveCatalog]:
    place = place_for(r.dialect)
    container = place.container(r.settings, None if r.offline else r.connection)
    return place, container, ArchiveCatalog(container)


def table_exists(conn: Any, table: str, schema: str | None) -> bool:
    """True when *table* exists (in *schema*)."""
    from ..sql.reflect import inspector

    return bool(inspector(conn).has_table(table, schema=schema))


def _literal(element: Any, dialect: Any) -> str:
    return str(element.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def _offline_record(r: Any, catalog: ArchiveCatalog, entry: ArchiveEntry) -> list[Statement]:
    from sqlalchemy import insert
    from sqlalchemy.schema import CreateTable

    values = ArchiveCatalog._values(entry)
    values.pop("created_at")
    return [
        Statement(_literal(CreateTable(catalog.table, if_not_exists=True), r.dialect),
                  description="archive catalog"),
        Statement(_literal(insert(catalog.table).values(values), r.dialect),
                  description=f"record the archive {entry.archive}"),
    ]  # fmt: skip


def keep_table(ctx: Any, table: str, schema: str | None, op: str) -> None:
    """Move *table* into the archive instead of dropping it (its rows, indexes and
    constraints go along; foreign keys between it and live tables are dropped and kept
    in the catalog, PostgreSQL re-adds them on restore)."""
    place, container, catalog = _where(ctx)
    stamp = ctx.first_seen(_stamp_key(table), _stamp)
    name = naming.archive_table(table, stamp, dialect_name=ctx.dialect.name)
    entry = ArchiveEntry(
        0, _revision(), op, "table", schema, table, (), container, name, (), None, None, None, {}
    )
    if ctx.offline:
        plan = [*place.ensure(container), *place.move(table, schema, container, name, {})]
        ctx.run([*plan, *_offline_record(ctx, catalog, entry)])
        _note(ctx, "table", table, schema, (), (), container)
        return
    conn = ctx.connection
    if not table_exists(conn, table, schema):  # moved by this step's earlier, killed run
        if not table_exists(conn, name, container):
            raise SchemaObjectError(
                f"Table {table!r} does not exist; check the table name in the migration."
            )
        catalog.ensure(conn)
        if catalog.by_archive(conn, name) is None:
            catalog.add(conn, entry)
        return
    fks = place.foreign_keys(conn, table, schema)
    renames = place.collisions(conn, table, schema, container, stamp)
    rows = place.row_estimate(conn, table, schema)
    detail = {"home": place.home(conn, schema), "foreign_keys": fks, "renames": renames}
    ctx.run(place.ensure(container))
    # recorded before the move: where the move commits by itself (MySQL's RENAME TABLE),
    # a kill right after it must leave the entry an undo finds; an entry whose table
    # never moved is forgotten by the undo (restore_table)
    catalog.ensure(conn)
    found = catalog.by_archive(conn, name)
    entry_id = (
        found.id
        if found is not None
        else catalog.add(conn, _replace(entry, rows=rows, detail=detail))
    )
    plan = place.dependents(ctx, table, schema, fks)
    ctx.run([*plan, *place.move(table, schema, container, name, renames)])
    catalog.set_size(conn, entry_id, rows, place.size(conn, name, container))


def _note(
    ctx: Any, kind: str, table: str, schema: str | None, cols: Sequence[str],
    copied: Sequence[str], container: str | None,
) -> None:  # fmt: skip
    """Tell ``plan`` what this step keeps (the archive's time is the contract's: ``…``)."""
    from .sizes import note

    name = naming.archive_table(table, "…", *cols, dialect_name=ctx.dialect.name)
    note(kind, table, schema, cols, copied, f"{container}.{name}" if container else name)


def _stamp_key(table: str) -> str:
    return f"keep:archive:{table}"


def kept_name(ctx: Any, table: str) -> str | None:
    """The archive name the contract being undone gave *table* (``None``: none)."""
    stamp = ctx.recall(_stamp_key(table))
    return naming.archive_table(table, stamp, dialect_name=ctx.dialect.name) if stamp else None


def _replace(entry: ArchiveEntry, **changes: Any) -> ArchiveEntry:
    import dataclasses

    return dataclasses.replace(entry, **changes)


def find_table(r: Any, table: str, schema: str | None) -> ArchiveEntry | None:
    """The archive a contract step made of *table* (the running revision's, if any)."""
    if r.offline:
        return None
    _, _, catalog = _where(r)
    return catalog.find(
        r.connection, revision=_revision(), kind="table", table=table, schema=schema
    )


def restore_table(r: Any, entry: ArchiveEntry) -> None:
    """Move an archived table back where it was, under its own name, and forget the archive."""
    place, container, catalog = _where(r)
    conn = r.connection
    here = table_exists(conn, entry.source_table, entry.source_schema)
    kept = table_exists(conn, entry.archive_table, entry.archive_schema)
    if here and not kept:  # restored by an earlier, killed run
        catalog.remove(conn, entry.id)
        return
    if here:
        raise SchemaObjectError(
            f"Cannot restore {entry.source} from the archive {entry.archive}: a table named "
            f"{entry.source_table!r} exists again; rename or drop it, then run this again."
        )
    if not kept:
        raise SchemaObjectError(
            f"The archive {entry.archive} of {entry.source} is gone (dropped by hand?); "
            f"remove its catalog entry with alembic-zdm archive purge."
        )
    home = entry.detail.get("home", entry.source_schema)
    renames = entry.detail.get("renames") or {}
    r.run(
        place.move_back(
            entry.source_table, home, entry.archive_schema, entry.archive_table, renames
        )
    )
    catalog.remove(conn, entry.id)
    r.run(place.restore_foreign_keys(entry.source_table, entry.detail.get("foreign_keys") or []))


def keep_columns(
    ctx: Any, table: str, columns: Sequence[str], schema: str | None, op: str,
    witnesses: Mapping[str, str] | None = None,
) -> None:  # fmt: skip
    """Copy *columns* of *table*, with its key, into an archive table, in batches
    outside any lock stronger than a row read; the caller drops them afterwards.

    *witnesses*: columns that stay (a type change's shadow, a split's new columns),
    copied along, each mapped to its name after the contract: a restore puts a row's
    kept values back only while its witnesses still hold what was copied, so a row
    written after the contract keeps what the undo's backward conversion gives it.
    """
    from ..backfill import find_key

    place, container, catalog = _where(ctx)
    cols = tuple(columns)
    seen = dict(witnesses or {})
    stamp = ctx.first_seen(f"keep:archive:{table}:{','.join(cols)}", _stamp)
    name = naming.archive_table(table, stamp, *cols, dialect_name=ctx.dialect.name)
    entry = ArchiveEntry(
        0,
        _revision(),
        op,
        "columns",
        schema,
        table,
        cols,
        container,
        name,
        (),
        None,
        None,
        None,
        {},
    )
    if ctx.offline:
        key = find_key(ctx.catalog, table, schema) if ctx.catalog is not None else ("id",)
        copied = (*cols, *seen)
        ctx.run([*place.ensure(container), _offline_copy(ctx, table, schema, container, name, key, copied),
                 *_offline_record(ctx, catalog, _replace(entry, key=key, detail={"witnesses": seen}))])  # fmt: skip
        _note(ctx, "columns", table, schema, cols, (*key, *copied), container)
        return
    conn = ctx.connection
    key = find_key(conn, table, schema)
    detail = {**_column_detail(ctx, table, cols, schema), "witnesses": seen}
    entry = _replace(entry, key=key, detail=detail)
    archive = _archive_table(ctx, table, schema, container, name, key, (*cols, *seen))
    with outside_transaction(ctx):
        for statement in place.ensure(container):
            conn.exec_driver_sql(statement.sql, execution_options={"no_parameters": True})
        catalog.ensure(conn)
        archive.create(conn, checkfirst=True)
        found = catalog.by_archive(conn, name)
        entry_id = found.id if found is not None else catalog.add(conn, entry)
        from ..health import gate_for
        from .copy import copy_out

        gate = gate_for(ctx.settings, conn)
        try:
            copy_out(
                conn, ctx.settings, gate, source=table, source_schema=schema, archive=name,
                archive_schema=container, key=key, columns=(*cols, *seen),
            )  # fmt: skip
        finally:
            if gate is not None:
                gate.close()
        from sqlalchemy import func, select

        rows = conn.execute(select(func.count()).select_from(archive)).scalar()
        catalog.set_size(conn, entry_id, int(rows or 0), place.size(conn, name, container))


def _column_detail(
    ctx: Any, table: str, cols: tuple[str, ...], schema: str | None
) -> dict[str, Any]:
    info = ctx.columns(table, schema) or {}
    return {
        "defaults": {c: (info.get(c) or {}).get("default") for c in cols},
        "nullable": {c: (info.get(c) or {}).get("nullable", True) for c in cols},
    }


def _archive_table(
    ctx: Any, table: str, schema: str | None, container: str | None, name: str,
    key: Sequence[str], cols: Sequence[str],
) -> Any:  # fmt: skip
    """The archive table's definition: the key (its primary key) and the columns, typed
    as in the live table, without defaults or constraints."""
    from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, Table

    from ..sql.reflect import inspector

    types = {
        c["name"]: c["type"] for c in inspector(ctx.connection).get_columns(table, schema=schema)
    }
    pk = PrimaryKeyConstraint(*key, name=naming.cap(f"{name}_pk", ctx.dialect.name))
    return Table(
        name, MetaData(),
        *(Column(k, types[k], nullable=False, autoincrement=False) for k in key),
        *(Column(c, types[c], nullable=True) for c in cols if c not in key),
        pk, schema=container,
    )  # fmt: skip


def _offline_copy(
    ctx: Any, table: str, schema: str | None, container: str | None, name: str,
    key: Sequence[str], cols: Sequence[str],
) -> Statement:  # fmt: skip
    q = place_for(ctx.dialect).q
    names = q.names([*key, *cols])
    return Statement(
        f"CREATE TABLE {q.table(name, container)} AS SELECT {names} FROM {q.table(table, schema)}",  # noqa: S608
        lock=LockLevel.ACCESS_SHARE, timeout_class=TimeoutClass.BACKFILL, table=table,
        schema=schema, description=f"archive copy of {table}.{', '.join(cols)} (online: in key-range batches)",
    )  # fmt: skip


def find_columns(
    r: Any, table: str, columns: Sequence[str], schema: str | None
) -> ArchiveEntry | None:
    """The archive a contract step made of *table*'s *columns*."""
    if r.offline:
        return None
    _, _, catalog = _where(r)
    return catalog.find(
        r.connection, revision=_revision(), kind="columns", table=table, schema=schema,
        columns=tuple(columns),
    )  # fmt: skip


def archived_types(r: Any, entry: ArchiveEntry) -> dict[str, Any]:
    """The archived columns' types (read from the archive table)."""
    from ..sql.reflect import inspector

    found = inspector(r.connection).get_columns(entry.archive_table, schema=entry.archive_schema)
    return {c["name"]: c["type"] for c in found if c["name"] in entry.columns}


def restore_columns(
    r: Any, entry: ArchiveEntry, into: Mapping[str, str] | None = None, forget: bool = True,
    only_unchanged: bool = True,
) -> int:  # fmt: skip
    """Put the archived values back into the (re-added) columns by key, in batches
    (into the columns *into* names, by default their own; with *only_unchanged*, only
    rows whose witnesses still hold their archived values, see :func:`keep_columns`);
    then, with *forget*, drop the archive. Returns the rows written."""
    from .copy import copy_back

    conn = r.connection
    with outside_transaction(r):
        rows = copy_back(
            conn, r.settings, None, source=entry.source_table, source_schema=entry.source_schema,
            archive=entry.archive_table, archive_schema=entry.archive_schema, key=entry.key,
            columns=entry.columns, into=into,
            unchanged=(entry.detail.get("witnesses") or None) if only_unchanged else None,
        )  # fmt: skip
    if forget:
        forget_columns(r, entry)
    return rows


def forget_columns(r: Any, entry: ArchiveEntry) -> None:
    """Drop a column archive whose values are back, and its catalog entry."""
    place, _, catalog = _where(r)
    conn = r.connection
    with outside_transaction(r):
        for statement in place.drop_archive(entry.archive_schema, entry.archive_table):
            conn.exec_driver_sql(statement.sql, execution_options={"no_parameters": True})
        catalog.remove(conn, entry.id)
