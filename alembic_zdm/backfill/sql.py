"""The statements of a backfill, built with SQLAlchemy Core (the compiler quotes names).

A batch covers one key *range*: ``key > :lo AND key <= :hi``, where ``hi`` is read
with an index-only ``SELECT key … ORDER BY key OFFSET n-1 LIMIT 1``. Rows already
holding the target value are skipped (``IS DISTINCT FROM``), so re-running a batch
after a crash, or a backfill after a dual-write trigger filled most rows, writes
nothing twice. Composite keys compare as row values ``(a, b) > (:lo_0, :lo_1)``.
"""

from __future__ import annotations

from typing import Any

from .spec import BackfillSpec


def _table(spec: BackfillSpec, key: tuple[str, ...]) -> Any:
    from sqlalchemy import column, table

    names = dict.fromkeys((*key, *spec.columns))
    return table(spec.table, *(column(n) for n in names), schema=spec.schema)


def _placeholder(prefix: str, i: int, variables: bool) -> Any:
    """A bound parameter ``{prefix}_{i}``, or the PL/pgSQL variable ``zdm_{prefix}_{i}``."""
    from sqlalchemy import bindparam, literal_column

    return literal_column(f"zdm_{prefix}_{i}") if variables else bindparam(f"{prefix}_{i}")


def _key_cmp(tbl: Any, key: tuple[str, ...], op: str, prefix: str, variables: bool) -> Any:
    from sqlalchemy import tuple_

    right = [_placeholder(prefix, i, variables) for i in range(len(key))]
    if len(key) == 1:
        left: Any = tbl.c[key[0]]
        return left.operate(_OPS[op], right[0])
    return tuple_(*(tbl.c[k] for k in key)).operate(_OPS[op], tuple_(*right))


def _ops() -> dict[str, Any]:
    import operator

    return {">": operator.gt, "<=": operator.le, ">=": operator.ge}


_OPS = _ops()


def key_params(prefix: str, values: tuple[Any, ...] | list[Any]) -> dict[str, Any]:
    """Bound parameters ``{prefix}_0 …`` for a key value."""
    return {f"{prefix}_{i}": v for i, v in enumerate(values)}


def upper_bound(
    spec: BackfillSpec, key: tuple[str, ...], *, has_lo: bool, skip: int | None = None
) -> Any:
    """``SELECT key FROM t [WHERE key > :lo] ORDER BY key OFFSET :skip LIMIT 1``.

    With a literal *skip*, the lower key is the PL/pgSQL variables ``zdm_lo_*``
    (offline rendering).
    """
    from sqlalchemy import bindparam, select

    tbl = _table(spec, key)
    stmt = select(*(tbl.c[k] for k in key))
    if has_lo:
        stmt = stmt.where(_key_cmp(tbl, key, ">", "lo", skip is not None))
    offset: Any = bindparam("skip") if skip is None else skip
    return stmt.order_by(*(tbl.c[k] for k in key)).offset(offset).limit(1)


def _values(spec: BackfillSpec) -> dict[str, Any]:
    from ..sql.raw import fragment

    return {col: fragment(expr, spec.params) for col, expr in spec.set.items()}


def _where(spec: BackfillSpec) -> Any:
    from ..sql.raw import fragment

    assert spec.where is not None
    return fragment(spec.where, spec.params)


def changed(spec: BackfillSpec, tbl: Any) -> Any:
    """``col IS DISTINCT FROM (expr) OR …``: the rows that still need the update."""
    from sqlalchemy import or_

    values = _values(spec)
    return or_(*(tbl.c[col].is_distinct_from(values[col]) for col in spec.columns))


def batch_update(
    spec: BackfillSpec,
    key: tuple[str, ...],
    *,
    has_lo: bool,
    has_hi: bool,
    variables: bool = False,
) -> Any:
    """``UPDATE t SET … WHERE key > :lo AND key <= :hi AND (where) AND <changed>``.

    With *variables*, the keys are the PL/pgSQL variables ``zdm_lo_*`` / ``zdm_hi_*``.
    """
    from sqlalchemy import update

    tbl = _table(spec, key)
    stmt = update(tbl).values(_values(spec))
    if has_lo:
        stmt = stmt.where(_key_cmp(tbl, key, ">", "lo", variables))
    if has_hi:
        stmt = stmt.where(_key_cmp(tbl, key, "<=", "hi", variables))
    if spec.where:
        stmt = stmt.where(_where(spec))
    return stmt.where(changed(spec, tbl))


def full_update(spec: BackfillSpec) -> Any:
    """The naive one-statement equivalent (for comparison, tests and benchmarks)."""
    return batch_update(spec, (), has_lo=False, has_hi=False)


def mismatches(spec: BackfillSpec, key: tuple[str, ...], sample: int) -> tuple[Any, Any]:
    """``SELECT count(*)`` and ``SELECT key … LIMIT sample`` of rows that differ."""
    from sqlalchemy import func, select

    tbl = _table(spec, key)
    cond = [changed(spec, tbl)]
    if spec.where:
        cond.append(_where(spec))
    count = select(func.count()).select_from(tbl).where(*cond)
    keys = select(*(tbl.c[k] for k in key)).where(*cond).order_by(*(tbl.c[k] for k in key))
    return count, keys.limit(sample)


def render(stmt: Any, dialect: Any, literal: bool = False) -> str:
    """SQL text of *stmt* compiled for *dialect* (*literal*: inline bound values)."""
    return str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": literal}))
