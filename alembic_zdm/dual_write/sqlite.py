"""SQLite dual-write: ``AFTER INSERT`` / ``AFTER UPDATE`` triggers that update the same row.

SQLite triggers cannot assign to ``NEW``, so each direction is an ``UPDATE`` of the
row just written (by ``rowid``; ``WITHOUT ROWID`` tables are not supported). Every
trigger has a ``WHEN`` clause that makes it fire only when the writer changed its
side, and the backward ``UPDATE`` skips rows whose new values already equal
*forward* of the old (a backfill), so the triggers' own updates never bounce
between the two sides. User expressions run inside the ``UPDATE``, so they may name
any column of the table, exactly like a backfill's ``SET``.
"""

from __future__ import annotations

from typing import Any

from ..sql.quoting import Quoter
from ..sql.statement import LockLevel, Statement, TimeoutClass
from .registry import register
from .spec import DualWriteSpec


def _values(q: Quoter, targets: tuple[str, ...], exprs: tuple[str | None, ...], source: str) -> str:
    return ", ".join(
        f"{q.name(t)} = ({e if e is not None else q.name(source)})"
        for t, e in zip(targets, exprs, strict=True)
    )


def _agree(q: Quoter, spec: DualWriteSpec) -> str:
    return " AND ".join(
        f"({e if e is not None else q.name(spec.old[0])}) IS {q.name(n)}"
        for n, e in zip(spec.new, spec.forward, strict=True)
    )


def _changed(q: Quoter, cols: tuple[str, ...]) -> str:
    return " OR ".join(f"NEW.{q.name(c)} IS NOT OLD.{q.name(c)}" for c in cols)


def triggers(spec: DualWriteSpec, q: Quoter) -> list[tuple[str, str, str]]:
    """``(tag, event clause, body)`` of each trigger of *spec*."""
    table = q.table(spec.table)
    # Names go through the quoter; the expressions are the user's SQL by design.
    fwd_set = _values(q, spec.new, spec.forward, spec.old[0])
    forward = f"UPDATE {table} SET {fwd_set} WHERE rowid = NEW.rowid;"  # noqa: S608
    backward = (
        f"UPDATE {table} SET {_values(q, spec.old, spec.backward, spec.new[0])} "  # noqa: S608
        f"WHERE rowid = NEW.rowid AND NOT ({_agree(q, spec)});"
    )
    new_null = " AND ".join(f"NEW.{q.name(c)} IS NULL" for c in spec.new)
    old_cols, new_cols = q.names(spec.old), q.names(spec.new)
    out = [
        ("ins_fwd", f"AFTER INSERT ON {table} FOR EACH ROW WHEN {new_null}", forward),
        (
            "upd_fwd",
            f"AFTER UPDATE OF {old_cols} ON {table} FOR EACH ROW WHEN {_changed(q, spec.old)}",
            forward,
        ),
    ]
    if spec.two_way:
        out += [
            ("ins_bwd", f"AFTER INSERT ON {table} FOR EACH ROW WHEN NOT ({new_null})", backward),
            (
                "upd_bwd",
                f"AFTER UPDATE OF {new_cols} ON {table} FOR EACH ROW "
                f"WHEN NOT ({_changed(q, spec.old)}) AND ({_changed(q, spec.new)})",
                backward,
            ),
        ]
    return out


def _name(spec: DualWriteSpec, tag: str) -> str:
    from .. import naming

    return naming.dual_write_event_trigger(spec.table, spec.old, spec.new, tag, "sqlite")


_TAGS = ("ins_fwd", "upd_fwd", "ins_bwd", "upd_bwd")


@register("sqlite")
class SqliteDualWrite:
    """Plan builders for SQLite 3.35+."""

    @staticmethod
    def enable(spec: DualWriteSpec, dialect: Any) -> list[Statement]:
        """``CREATE TRIGGER IF NOT EXISTS`` per direction and event."""
        q = Quoter(dialect)
        return [
            Statement(
                f"CREATE TRIGGER IF NOT EXISTS {q.table(_name(spec, tag), spec.schema)} {event} "
                f"BEGIN {body} END",
                lock=LockLevel.ACCESS_EXCLUSIVE,
                timeout_class=TimeoutClass.DDL,
                table=spec.table,
                schema=spec.schema,
                description=f"dual-write trigger {tag} on {spec.table}",
            )
            for tag, event, body in triggers(spec, q)
        ]

    @staticmethod
    def disable(spec: DualWriteSpec, dialect: Any) -> list[Statement]:
        """``DROP TRIGGER IF EXISTS`` of every trigger :meth:`enable` may have made."""
        q = Quoter(dialect)
        return [
            Statement(
                f"DROP TRIGGER IF EXISTS {q.table(_name(spec, tag), spec.schema)}",
                lock=LockLevel.ACCESS_EXCLUSIVE,
                timeout_class=TimeoutClass.DDL,
                table=spec.table,
                schema=spec.schema,
                description=f"drop dual-write trigger {tag} on {spec.table}",
            )
            for tag in _TAGS
        ]
