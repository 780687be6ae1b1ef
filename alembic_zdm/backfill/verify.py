"""Check that a backfill reached every row: counts and sample keys of the rows that differ."""

from __future__ import annotations

from typing import Any

from ..errors import BackfillVerificationError
from . import sql
from .spec import BackfillSpec, check_columns, find_key


def verify_backfill(connection: Any, spec: BackfillSpec, sample: int = 5) -> None:
    """Raise :class:`BackfillVerificationError` when a row of *spec* still differs.

    One read-only statement counts the rows where ``column IS DISTINCT FROM (expected)``
    (within ``where``); the error names the count and up to *sample* keys.
    """
    key = spec.key or find_key(connection, spec.table, spec.schema)
    check_columns(connection, spec.table, spec.schema, (*key, *spec.columns))
    count_stmt, keys_stmt = sql.mismatches(spec, key, sample)
    count = int(connection.execute(count_stmt).scalar() or 0)
    if count == 0:
        return
    keys = [tuple(r) for r in connection.execute(keys_stmt)]
    shown = ", ".join(str(k[0]) if len(k) == 1 else str(k) for k in keys)
    what = ", ".join(f"{c} = ({e})" for c, e in spec.set.items())
    raise BackfillVerificationError(
        f"Backfill check of {spec.qualified!r} found {count} row(s) where not {what} "
        f"(sample keys: {shown}); re-run the backfill or fix those rows before contracting."
    )
