"""What a contract that drops columns keeps for its undo besides their values.

The archive (``alembic_zdm.archive``) keeps a dropped column's values; a rollback
must also give back the column as the contract found it: its NOT NULL, its server
default and the plain indexes on it, which ``DROP COLUMN`` takes along. "As the
contract found it" includes what expand relaxed for the new code (MySQL's implicit
default on a NOT NULL column): the new application is still running while the
contract is undone, and the undo of expand then removes the relaxation.
:func:`keep_definitions` reads them on the contract's first attempt (a re-run after a kill finds the column gone)
into the contract's ``keep:`` checkpoint, which outlives the phase;
:func:`restore_definitions`, in the undo of that contract, puts them back once the
values are back: default, NOT NULL validated without a long lock, then each index
built online (``CONCURRENTLY`` on PostgreSQL, ``INPLACE`` on MySQL/MariaDB).

Expression and partial indexes, and PostgreSQL unique *constraints*, are not
rebuilt: they are named in a warning when the contract keeps the definitions.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from typing import Any

from ._indexes import _decode, build_copies, classify

log = logging.getLogger("alembic.zdm")


def _key(table: str, columns: Sequence[str]) -> str:
    return f"keep:definitions:{table}:{','.join(columns)}"


def keep_definitions(ctx: Any, table: str, columns: Sequence[str], schema: str | None) -> None:
    """Before the contract drops *columns* of *table*: keep their definitions and the
    plain indexes on them for the undo (online only; a re-run keeps the first read)."""
    if ctx.offline:
        return
    ctx.first_seen(_key(table, columns), lambda: _read(ctx, table, columns, schema))


def _read(ctx: Any, table: str, columns: Sequence[str], schema: str | None) -> dict[str, Any]:
    from ..sql.reflect import inspector

    definitions = {}
    for column in columns:
        info = ctx.column(table, column, schema) or {}
        definitions[column] = {
            "nullable": bool(info.get("nullable", True)),
            "default": info.get("default"),
        }
    indexes = []
    for index in inspector(ctx.connection).get_indexes(table, schema=schema):
        copy, text = classify(index)
        cols = list(index.get("column_names") or [])
        named = any(c in cols for c in columns)
        if copy is None or index.get("duplicates_constraint"):
            # an expression or a WHERE that mentions the column (by its text) goes with it
            if named or any(c in text for c in columns):
                log.warning(
                    "Index %r on %s is an expression or partial index, or a unique "
                    "constraint: undoing this contract will not rebuild it (recreate it "
                    "by hand if you roll back)",
                    index["name"],
                    table,
                )
            continue
        if named:
            indexes.append(dataclasses.asdict(copy))
    return {"columns": definitions, "indexes": indexes}


def restore_definitions(ctx: Any, table: str, columns: Sequence[str], schema: str | None) -> None:
    """In the undo of the contract, once the re-added *columns* hold their values again:
    their server default and NOT NULL as kept, then the indexes the drop took along."""
    kept = ctx.recall(_key(table, columns))
    if not kept:
        return
    plan = []
    for column in columns:
        definition = (kept.get("columns") or {}).get(column) or {}
        default = definition.get("default")
        if default is not None:
            plan.append(ctx.set_default(table, column, default, schema))
        if definition.get("nullable") is False:
            plan += ctx.not_null_safe(table, column, schema, default)
    ctx.run(plan)
    for index in _decode(kept.get("indexes") or []):
        on = index.columns[0]
        ctx.run(build_copies(ctx, table, [index], on, on, lambda name, _dialect: name, schema))
