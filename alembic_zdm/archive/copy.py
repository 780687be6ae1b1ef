"""Column values into an archive table and back, in key-range batches.

The same shape as the backfill engine (:mod:`alembic_zdm.backfill.engine`): each batch
is its own short transaction on an autocommit connection, with the backfill's statement
and lock timeouts, its adaptive size and the health gate between batches. Nothing
takes more than a row lock: the copy reads the live table and writes the archive, the
restore updates the rows of one key range.

The copy resumes by itself: each batch commits its rows into the archive, so the
largest key already there is where a killed copy stops; a re-run starts after it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import and_, exists, insert, literal_column, select, table, tuple_, update
from sqlalchemy import column as col

from ..backfill import BackfillOptions
from ..backfill.dialects import for_dialect
from ..backfill.engine import next_batch_size


def _range(tbl: Any, key: Sequence[str], lo: Sequence[Any] | None, hi: Sequence[Any] | None) -> Any:
    """``key > :lo AND key <= :hi`` (row values for a composite key); either may be absent."""
    left: Any = tbl.c[key[0]] if len(key) == 1 else tuple_(*(tbl.c[k] for k in key))

    def right(values: Sequence[Any]) -> Any:
        from sqlalchemy import literal

        items = [literal(v) for v in values]
        return items[0] if len(key) == 1 else tuple_(*items)

    parts = []
    if lo is not None:
        parts.append(left > right(lo))
    if hi is not None:
        parts.append(left <= right(hi))
    return and_(*parts) if parts else literal_column("1") == literal_column("1")


def _upper(tbl: Any, key: Sequence[str], lo: Sequence[Any] | None, size: int) -> Any:
    stmt = select(*(tbl.c[k] for k in key))
    if lo is not None:
        stmt = stmt.where(_range(tbl, key, lo, None))
    return stmt.order_by(*(tbl.c[k] for k in key)).offset(size - 1).limit(1)


class _Batches:
    """The loop both directions share: ranges of *pager*'s keys, one transaction each."""

    def __init__(self, conn: Any, settings: Any, gate: Any, what: str) -> None:
        self.conn = conn
        self.options = BackfillOptions.from_settings(settings)
        self.dialect = for_dialect(conn.dialect)
        self.gate = gate
        self.what = what
        self.size = self.options.batch_size
        self.rows = 0

    def run(self, pager: Any, key: Sequence[str], lo: Sequence[Any] | None, write: Any) -> int:
        """Call ``write(lo, hi)`` for each range of *pager*'s keys after *lo*; return rows."""
        while True:
            hi, rows = self._with_retries(pager, key, lo, write)
            self.rows += rows
            if hi is None:
                return self.rows
            lo = hi
            if self.gate is not None:
                where = f"the next batch of {self.what} ({self.rows:,} rows done are committed)"
                if self.gate.wait(where):
                    self.size = max(self.options.min_batch, self.size // 2)

    def _with_retries(
        self, pager: Any, key: Sequence[str], lo: Sequence[Any] | None, write: Any
    ) -> tuple[Sequence[Any] | None, int]:
        for attempt in range(self.options.retries):
            started = time.monotonic()
            try:
                result = self._one(pager, key, lo, write)
            except Exception as exc:
                if not self.dialect.is_retryable(exc) or attempt + 1 >= self.options.retries:
                    raise
                self.size = max(self.options.min_batch, self.size // 2)
                delay = min(self.options.retry_cap_ms, self.options.retry_base_ms * 2**attempt)
                time.sleep(delay * random.uniform(0.5, 1.0) / 1000)
                continue
            elapsed_ms = (time.monotonic() - started) * 1000
            self.size = next_batch_size(self.size, elapsed_ms, self.options)
            return result
        raise AssertionError("unreachable")  # pragma: no cover

    def _one(
        self, pager: Any, key: Sequence[str], lo: Sequence[Any] | None, write: Any
    ) -> tuple[Sequence[Any] | None, int]:
        conn = self.conn
        conn.exec_driver_sql("BEGIN")
        try:
            self.dialect.set_timeouts(
                conn, self.options.statement_timeout_ms, self.options.lock_timeout_ms
            )
            row = conn.execute(_upper(pager, key, lo, self.size)).first()
            hi = tuple(row) if row is not None else None
            rows = write(lo, hi)
            conn.exec_driver_sql("COMMIT")
        except BaseException:
            conn.exec_driver_sql("ROLLBACK")
            raise
        return hi, rows


def _tables(
    source: str, source_schema: str | None, archive: str, archive_schema: str | None,
    key: Sequence[str], columns: Sequence[str],
) -> tuple[Any, Any]:  # fmt: skip
    names = [*key, *columns]
    return (
        table(source, *(col(n) for n in names), schema=source_schema),
        table(archive, *(col(n) for n in names), schema=archive_schema),
    )


def copy_out(
    conn: Any,
    settings: Any,
    gate: Any,
    *,
    source: str,
    source_schema: str | None,
    archive: str,
    archive_schema: str | None,
    key: Sequence[str],
    columns: Sequence[str],
) -> int:
    """Copy *key* and *columns* of every row of *source* into *archive*; return the rows
    copied in this run (a resumed copy starts after the largest key already archived)."""
    src, arc = _tables(source, source_schema, archive, archive_schema, key, columns)
    last = conn.execute(
        select(*(arc.c[k] for k in key)).order_by(*(arc.c[k].desc() for k in key)).limit(1)
    ).first()
    names = [*key, *columns]

    def write(lo: Sequence[Any] | None, hi: Sequence[Any] | None) -> int:
        rows = select(*(src.c[n] for n in names)).where(_range(src, key, lo, hi))
        # INSERT … SELECT reports its rows only when asked (psycopg gives -1 otherwise)
        stmt = insert(arc).from_select(names, rows).execution_options(preserve_rowcount=True)
        return max(conn.execute(stmt).rowcount or 0, 0)

    what = f"the archive copy of {source}.{', '.join(columns)}"
    return _Batches(conn, settings, gate, what).run(src, key, tuple(last) if last else None, write)


def copy_back(
    conn: Any,
    settings: Any,
    gate: Any,
    *,
    source: str,
    source_schema: str | None,
    archive: str,
    archive_schema: str | None,
    key: Sequence[str],
    columns: Sequence[str],
    into: Mapping[str, str] | None = None,
    unchanged: Mapping[str, str] | None = None,
) -> int:
    """Set *columns* of *source* from *archive*, row by key; return the rows written.

    *into* maps an archived column to the live column it goes back into (default: the
    same name). *unchanged* maps archive columns to live ones that must still hold the
    archived value for a row to be restored: a row written since the archive was made
    keeps what it has (the caller has already computed it). Rows deleted since are
    skipped; rows inserted since keep what they have.
    """
    into = dict(into or {c: c for c in columns})
    unchanged = dict(unchanged or {})
    live = dict.fromkeys([*key, *into.values(), *unchanged.values()])
    src = table(source, *(col(n) for n in live), schema=source_schema)
    kept = dict.fromkeys([*key, *columns, *unchanged])
    arc = table(archive, *(col(n) for n in kept), schema=archive_schema)
    match = and_(*(arc.c[k] == src.c[k] for k in key))
    same = and_(match, *(arc.c[a].is_not_distinct_from(src.c[s]) for a, s in unchanged.items()))

    def write(lo: Sequence[Any] | None, hi: Sequence[Any] | None) -> int:
        values = {into[c]: select(arc.c[c]).where(match).scalar_subquery() for c in columns}
        stmt = update(src).values(values).where(_range(src, key, lo, hi))
        result = conn.execute(stmt.where(exists(select(literal_column("1")).where(same))))
        return max(result.rowcount or 0, 0)

    what = f"the restore of {source}.{', '.join(into[c] for c in columns)}"
    return _Batches(conn, settings, gate, what).run(arc, key, None, write)
