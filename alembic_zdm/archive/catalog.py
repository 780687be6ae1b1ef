"""The archive catalog: one row per kept table or set of columns, next to the archives.

It lives where the archives live (PostgreSQL: the archive schema; MySQL/MariaDB: the
archive database; SQLite: the same file), so a purge or a backup of the archive takes
its index along. Only this module writes it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
    text,
    update,
)

from .. import naming


@dataclasses.dataclass(frozen=True)
class ArchiveEntry:
    """One archive: what was kept, from where, into what.

    :param kind: ``"table"`` (the table itself was moved) or ``"columns"`` (the values
        of *columns* were copied with the key into *archive_table*).
    :param key: the key columns the values are kept by (columns only).
    :param rows: rows kept (a table's count is the catalog estimate at the time).
    :param bytes: size of the archive object when it was made (``None``: unknown).
    :param detail: what a restore needs beyond the names (foreign keys, renamed indexes,
        column types and defaults).
    """

    id: int
    revision: str
    op: str
    kind: str
    source_schema: str | None
    source_table: str
    columns: tuple[str, ...]
    archive_schema: str | None
    archive_table: str
    key: tuple[str, ...]
    rows: int | None
    bytes: int | None
    created_at: dt.datetime | None
    detail: dict[str, Any]

    @property
    def source(self) -> str:
        """``schema.table[.column, …]`` for messages."""
        table = (
            f"{self.source_schema}.{self.source_table}" if self.source_schema else self.source_table
        )
        return f"{table}.{', '.join(self.columns)}" if self.columns else table

    @property
    def archive(self) -> str:
        """``schema.table`` of the archive object."""
        return (
            f"{self.archive_schema}.{self.archive_table}"
            if self.archive_schema
            else self.archive_table
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        data = dataclasses.asdict(self)
        data["columns"] = list(self.columns)
        data["key"] = list(self.key)
        data["created_at"] = self.created_at.isoformat() if self.created_at else None
        return data


class ArchiveCatalog:
    """Reads and writes the catalog table in *schema* (``None``: the default schema)."""

    def __init__(self, schema: str | None) -> None:
        self.table = Table(
            naming.ARCHIVE_CATALOG,
            MetaData(),
            Column("id", Integer, primary_key=True, autoincrement=True),
            Column("revision", String(64), nullable=False),
            Column("op", String(64), nullable=False),
            Column("kind", String(16), nullable=False),
            Column("source_schema", String(128)),
            Column("source_table", String(128), nullable=False),
            Column("source_columns", Text),
            Column("archive_schema", String(128)),
            Column("archive_table", String(128), nullable=False),
            Column("key_columns", Text),
            Column("row_count", BigInteger),
            Column("byte_size", BigInteger),
            Column("created_at", DateTime, server_default=text("CURRENT_TIMESTAMP")),
            Column("detail", Text),
            schema=schema,
        )

    def exists(self, conn: Any) -> bool:
        """True when the catalog table exists."""
        from ..sql.reflect import inspector

        return bool(inspector(conn).has_table(self.table.name, schema=self.table.schema))

    def ensure(self, conn: Any) -> None:
        """Create the catalog table if it is not there yet."""
        self.table.create(conn, checkfirst=True)

    def add(self, conn: Any, entry: ArchiveEntry) -> int:
        """Record *entry* (its ``id`` is ignored); return the new id."""
        values = self._values(entry)
        result = conn.execute(insert(self.table).values(values))
        key = result.inserted_primary_key
        if key and key[0] is not None:
            return int(key[0])
        found = self.by_archive(conn, entry.archive_table)
        return found.id if found else 0

    def set_size(self, conn: Any, entry_id: int, rows: int | None, size: int | None) -> None:
        """Record the final row count and size of an archive."""
        stmt = update(self.table).where(self.table.c.id == entry_id)
        conn.execute(stmt.values(row_count=rows, byte_size=size))

    def remove(self, conn: Any, entry_id: int) -> None:
        """Forget an archive (restored or purged)."""
        conn.execute(delete(self.table).where(self.table.c.id == entry_id))

    def entries(self, conn: Any) -> list[ArchiveEntry]:
        """Every archive, oldest first (none when the catalog does not exist)."""
        if not self.exists(conn):
            return []
        rows = conn.execute(select(self.table).order_by(self.table.c.id)).mappings()
        return [self._entry(r) for r in rows]

    def get(self, conn: Any, entry_id: int) -> ArchiveEntry | None:
        """The archive with *entry_id*, or ``None``."""
        return next((e for e in self.entries(conn) if e.id == entry_id), None)

    def by_archive(self, conn: Any, archive_table: str) -> ArchiveEntry | None:
        """The archive kept in *archive_table*, or ``None``."""
        return next((e for e in self.entries(conn) if e.archive_table == archive_table), None)

    def find(
        self,
        conn: Any,
        *,
        revision: str,
        kind: str,
        table: str,
        schema: str | None,
        columns: tuple[str, ...] = (),
    ) -> ArchiveEntry | None:
        """The newest archive of *table* (*columns*) made by *revision* (any revision when
        none of them matches: a plain ``upgrade()`` records none)."""
        same = [
            e
            for e in self.entries(conn)
            if e.kind == kind
            and e.source_table == table
            and e.source_schema == schema
            and set(e.columns) == set(columns)
        ]
        mine = [e for e in same if e.revision == revision] or ([] if revision else same)
        return mine[-1] if mine else None

    @staticmethod
    def _values(entry: ArchiveEntry) -> dict[str, Any]:
        return {
            "revision": entry.revision,
            "op": entry.op,
            "kind": entry.kind,
            "source_schema": entry.source_schema,
            "source_table": entry.source_table,
            "source_columns": json.dumps(list(entry.columns)),
            "archive_schema": entry.archive_schema,
            "archive_table": entry.archive_table,
            "key_columns": json.dumps(list(entry.key)),
            "row_count": entry.rows,
            "byte_size": entry.bytes,
            "created_at": entry.created_at or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None),
            "detail": json.dumps(entry.detail, default=str),
        }

    @staticmethod
    def _entry(m: Any) -> ArchiveEntry:
        return ArchiveEntry(
            id=int(m["id"]),
            revision=m["revision"],
            op=m["op"],
            kind=m["kind"],
            source_schema=m["source_schema"],
            source_table=m["source_table"],
            columns=tuple(json.loads(m["source_columns"] or "[]")),
            archive_schema=m["archive_schema"],
            archive_table=m["archive_table"],
            key=tuple(json.loads(m["key_columns"] or "[]")),
            rows=m["row_count"],
            bytes=m["byte_size"],
            created_at=m["created_at"],
            detail=json.loads(m["detail"] or "{}"),
        )
