"""What a planned contract will keep, and how big it will be (for ``alembic-zdm plan``).

While ``plan`` renders the pending phases offline, :func:`note` records each archive a
contract step would make (:func:`collecting` turns that on); :func:`estimate` then
sizes it on the connected database:

* a table (it is moved): PostgreSQL ``reltuples`` and ``pg_total_relation_size``;
  MySQL/MariaDB ``information_schema.TABLES`` ``table_rows`` and
  ``data_length + index_length``; SQLite ``count(*)`` and the ``dbstat`` pages of the
  table and its indexes (unknown when SQLite was built without ``dbstat``);
* columns (they are copied): the row estimate × the average width of the copied
  columns — PostgreSQL ``pg_stats.avg_width`` when analysed, else ``pg_column_size``
  over a sample; MySQL/MariaDB and SQLite ``LENGTH`` over a sample — plus a per-row
  overhead.

Dispatched on ``dialect.name`` through :data:`_WIDTHS` (STYLE habit 2).
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
from collections.abc import Callable, Iterator, Sequence
from typing import Any

SAMPLE = 10_000
"""Rows read to measure the average width of copied columns."""


@dataclasses.dataclass(frozen=True)
class PlannedArchive:
    """One archive a pending contract step will make.

    :param kind: ``"table"`` (moved) or ``"columns"`` (copied with the key).
    :param columns: what is copied (key, kept columns and witnesses); empty for a table.
    :param rows: estimated rows (``None``: unknown).
    :param bytes: estimated size of the archive (``None``: unknown).
    """

    revision: str
    phase: str
    kind: str
    source: str
    archive: str
    table: str
    schema: str | None
    columns: tuple[str, ...] = ()
    rows: int | None = None
    bytes: int | None = None


_collected: contextvars.ContextVar[list[PlannedArchive] | None] = contextvars.ContextVar(
    "alembic_zdm_planned_archives", default=None
)


@contextlib.contextmanager
def collecting() -> Iterator[list[PlannedArchive]]:
    """Record the archives of the steps rendered inside (see :func:`note`)."""
    found: list[PlannedArchive] = []
    token = _collected.set(found)
    try:
        yield found
    finally:
        _collected.reset(token)


def note(
    kind: str, table: str, schema: str | None, kept: Sequence[str], copied: Sequence[str],
    archive: str,
) -> None:  # fmt: skip
    """Record an archive the step being rendered would make (nothing unless collecting)."""
    found = _collected.get()
    if found is None:
        return
    from ..phases.context import current_phase_run

    run = current_phase_run()
    if run is None or run.replay:
        return
    source = f"{schema}.{table}" if schema else table
    if kept:
        source += "." + ", ".join(kept)
    phase = ("undo " if run.undo else "") + run.phase.name.lower()
    found.append(
        PlannedArchive(run.revision, phase, kind, source, archive, table, schema, tuple(copied))
    )


def estimate(conn: Any, item: PlannedArchive) -> PlannedArchive:
    """*item* with its rows and bytes estimated on *conn* (``None`` where unknown)."""
    from .places import place_for

    place = place_for(conn.dialect)
    try:
        if not _exists(conn, item.table, item.schema):
            return item  # made by an earlier pending step: nothing to measure yet
        rows = _rows(conn, place, item)
        if item.kind == "table":
            size = _table_bytes(conn, place, item)
        else:
            # a column an earlier pending step adds (a shadow) is not there to measure
            there = _column_names(conn, item.table, item.schema)
            measured = dataclasses.replace(
                item, columns=tuple(c for c in item.columns if c in there)
            )
            width = _WIDTHS[_family(conn)](conn, place, measured)
            size = None if rows is None or width is None else int(rows * width)
    except Exception:  # an estimate must never stop the plan
        return item
    return dataclasses.replace(item, rows=rows, bytes=size)


def _exists(conn: Any, table: str, schema: str | None) -> bool:
    from ..sql.reflect import inspector

    return bool(inspector(conn).has_table(table, schema=schema))


def _column_names(conn: Any, table: str, schema: str | None) -> set[str]:
    from ..sql.reflect import inspector

    return {c["name"] for c in inspector(conn).get_columns(table, schema=schema)}


def _family(conn: Any) -> str:
    name: str = conn.dialect.name
    return "mysql" if name == "mariadb" else name


def _rows(conn: Any, place: Any, item: PlannedArchive) -> int | None:
    rows: int | None = place.row_estimate(conn, item.table, item.schema)
    if rows is None and _family(conn) == "postgresql":
        from sqlalchemy import text

        pages = conn.execute(
            text("SELECT pg_relation_size(to_regclass(:t))"),
            {"t": place.q.table(item.table, item.schema)},
        ).scalar()
        return 0 if not pages else None  # never analysed: unknown unless empty
    return rows


def _table_bytes(conn: Any, place: Any, item: PlannedArchive) -> int | None:
    if _family(conn) != "sqlite":
        size: int | None = place.size(conn, item.table, item.schema)
        return size
    from sqlalchemy import exc, text

    try:
        value = conn.execute(
            text(
                "SELECT SUM(pgsize) FROM dbstat WHERE name IN "
                "(SELECT name FROM sqlite_master WHERE tbl_name = :t)"
            ),
            {"t": item.table},
        ).scalar()
    except exc.DBAPIError:  # SQLite built without dbstat
        return None
    return int(value) if value is not None else None


def _sample_width(conn: Any, place: Any, item: PlannedArchive, measure: str) -> float | None:
    """Average over a sample of the sum of ``measure(column)`` of the copied columns."""
    from sqlalchemy import text

    if not item.columns:
        return 0.0
    parts = " + ".join(f"COALESCE({measure}({place.q.name(c)}), 0)" for c in item.columns)
    source = place.q.table(item.table, item.schema)
    value = conn.execute(
        text(f"SELECT AVG({parts}) FROM (SELECT * FROM {source} LIMIT {SAMPLE}) zdm_sample")  # noqa: S608
    ).scalar()
    return float(value) if value is not None else 0.0


def _pg_width(conn: Any, place: Any, item: PlannedArchive) -> float | None:
    from sqlalchemy import bindparam, text

    stats = conn.execute(
        text(
            "SELECT attname, avg_width FROM pg_stats WHERE schemaname = COALESCE(:s, "
            "current_schema()) AND tablename = :t AND attname IN :c"
        ).bindparams(bindparam("c", expanding=True)),
        {"s": item.schema, "t": item.table, "c": list(item.columns)},
    ).all()
    if len(stats) == len(item.columns):
        width = float(sum(r[1] for r in stats))
    else:  # not analysed yet: measure a sample
        width = _sample_width(conn, place, item, "pg_column_size") or 0.0
    return width + 28  # heap tuple header and line pointer


def _mysql_width(conn: Any, place: Any, item: PlannedArchive) -> float | None:
    return (_sample_width(conn, place, item, "LENGTH") or 0.0) + 20  # InnoDB row overhead


def _sqlite_width(conn: Any, place: Any, item: PlannedArchive) -> float | None:
    return (_sample_width(conn, place, item, "LENGTH") or 0.0) + 8  # record header, cell pointer


_WIDTHS: dict[str, Callable[[Any, Any, PlannedArchive], float | None]] = {
    "postgresql": _pg_width,
    "mysql": _mysql_width,
    "sqlite": _sqlite_width,
}


def human_bytes(size: int | None) -> str:
    """``18 MB``-style size (powers of 1024, as ``pg_size_pretty``); ``size unknown``."""
    if size is None:
        return "size unknown"
    value = float(size)
    for unit in ("bytes", "kB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"≈{value:,.0f} {unit}" if unit == "bytes" else f"≈{value:,.1f} {unit}"
        value /= 1024
    return f"≈{value:,.1f} TB"  # pragma: no cover


def describe(item: PlannedArchive) -> str:
    """``keeps users.legacy (≈200,000 rows, ≈18.0 MB) in zdm_archive.zdm_arch_…``."""
    rows = "rows unknown" if item.rows is None else f"≈{item.rows:,} rows"
    verb = "moves" if item.kind == "table" else "keeps"
    return f"{verb} {item.source} ({rows}, {human_bytes(item.bytes)}) into {item.archive}"
