"""PostgreSQL parts of the backfill engine."""

from __future__ import annotations

from typing import Any

from ..sql.quoting import dollar_quote
from .dialects import BackfillDialect, register
from .spec import BackfillSpec

_RETRYABLE = {"55P03", "57014", "40P01", "40001"}
"""lock_not_available, query_canceled (statement timeout), deadlock, serialization."""


def set_timeouts(connection: Any, statement_ms: int, lock_ms: int) -> None:
    """``set_config(…, is_local => true)``: like ``SET LOCAL``, values bound (pooler-safe)."""
    from sqlalchemy import text

    connection.execute(
        text(
            "SELECT set_config('statement_timeout', :st, true), set_config('lock_timeout', :lt, true)"
        ),
        {"st": f"{int(statement_ms)}ms", "lt": f"{int(lock_ms)}ms"},
    )


def is_retryable(exc: BaseException) -> bool:
    """True for lock / statement timeouts, deadlocks and serialization failures."""
    orig = getattr(exc, "orig", exc)
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return state in _RETRYABLE


def row_estimate(connection: Any, spec: BackfillSpec) -> int | None:
    """``pg_class.reltuples`` (``None`` when the table was never analysed)."""
    from sqlalchemy import text

    prep = connection.dialect.identifier_preparer
    quoted = prep.quote(spec.table)
    if spec.schema:
        quoted = prep.quote_schema(spec.schema) + "." + quoted
    value = connection.execute(
        text("SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(:t)"), {"t": quoted}
    ).scalar()
    return int(value) if value is not None and value >= 0 else None


def _one_line(statement: str) -> str:
    """*statement* on one line, unless a ``--`` comment in the author's SQL needs its newline."""
    return statement if "--" in statement else statement.replace("\n", " ")


def offline_script(spec: BackfillSpec, key: tuple[str, ...], batch_size: int, dialect: Any) -> str:
    """A ``DO`` block that commits after every key range (PostgreSQL 11+, outside a transaction)."""
    from . import sql

    prep = dialect.identifier_preparer
    tbl = (prep.quote_schema(spec.schema) + "." if spec.schema else "") + prep.quote(spec.table)
    lo = [f"zdm_lo_{i}" for i in range(len(key))]
    hi = [f"zdm_hi_{i}" for i in range(len(key))]
    declare = [
        f"  {v} {tbl}.{prep.quote(k)}%TYPE;"
        for vs in (lo, hi)
        for v, k in zip(vs, key, strict=True)
    ]

    def update(has_lo: bool, has_hi: bool) -> str:
        stmt = sql.batch_update(spec, key, has_lo=has_lo, has_hi=has_hi, variables=True)
        return _one_line(sql.render(stmt, dialect, literal=True)) + ";"

    def bound(has_lo: bool, skip: int) -> str:
        stmt = sql.upper_bound(spec, key, has_lo=has_lo, skip=skip)
        text = _one_line(sql.render(stmt, dialect, literal=True))
        return text + " INTO " + ", ".join(hi) + ";"

    lines = [
        "DECLARE",
        *declare,
        "BEGIN",
        "  " + bound(False, 0),
        "  IF NOT FOUND THEN RETURN; END IF;",
        "  " + update(False, True),
        "  COMMIT;",
        "  LOOP",
        "    " + " ".join(f"{a} := {b};" for a, b in zip(lo, hi, strict=True)),
        "    " + bound(True, max(int(batch_size), 1) - 1),
        "    IF NOT FOUND THEN " + update(True, False) + " COMMIT; EXIT; END IF;",
        "    " + update(True, True),
        "    COMMIT;",
        "  END LOOP;",
        "END",
    ]
    return "DO " + dollar_quote("\n" + "\n".join(lines) + "\n")


register(
    ("postgresql",),
    BackfillDialect(
        set_timeouts=set_timeouts,
        is_retryable=is_retryable,
        row_estimate=row_estimate,
        offline_script=offline_script,
    ),
)
