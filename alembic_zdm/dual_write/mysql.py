"""MySQL / MariaDB dual-write: a ``BEFORE INSERT`` and a ``BEFORE UPDATE`` row trigger.

MySQL has no trigger functions and (before 5.7.2) one trigger per event and timing,
so each event gets one trigger that does the whole job; a trigger may only change
the row being written (``SET NEW.col = …``), which is all dual-write needs. The
decision is the one of the PostgreSQL function (see :mod:`.postgresql`):

* INSERT: all new columns NULL → old code wrote: compute the new columns (*forward*);
  otherwise new code wrote: compute the old columns (*backward*) unless they agree.
* UPDATE: an old column changed → *forward*; else a new column changed → *backward*
  (skipped when the new values already equal *forward* of the old — a backfill).

User expressions name the table's columns as in a backfill ``SET``; inside the trigger
they are evaluated over ``WITH zdm_row (old, new …) AS (SELECT NEW.old, NEW.new …)``
(:func:`~alembic_zdm.sql.mysql.new_row`), so they may use the old and new columns of
the spec. ``<=>`` is MySQL's null-safe
equality.
"""

from __future__ import annotations

from typing import Any

from ..sql.mysql import TRIGGER_EXISTS, new_row
from ..sql.quoting import Quoter
from ..sql.statement import LockLevel, Statement, TimeoutClass
from .registry import register
from .spec import DualWriteSpec

_EVENTS = (("ins", "INSERT"), ("upd", "UPDATE"))


def _value(q: Quoter, spec: DualWriteSpec, expr: str | None, source: str) -> str:
    if expr is None:
        return f"NEW.{q.name(source)}"
    row = new_row(q, list(dict.fromkeys((*spec.old, *spec.new))))
    # The expression is the user's SQL by design; the row's names are quoted.
    return f"({row} SELECT ({expr}) FROM zdm_row)"  # noqa: S608


def _assign(
    q: Quoter,
    spec: DualWriteSpec,
    targets: tuple[str, ...],
    exprs: tuple[str | None, ...],
    source: str,
) -> str:
    sets = ", ".join(
        f"NEW.{q.name(t)} = {_value(q, spec, e, source)}"
        for t, e in zip(targets, exprs, strict=True)
    )
    return f"SET {sets};"


def _agree(q: Quoter, spec: DualWriteSpec) -> str:
    checks = " AND ".join(
        f"({_value(q, spec, e, spec.old[0])} <=> NEW.{q.name(n)})"
        for n, e in zip(spec.new, spec.forward, strict=True)
    )
    return f"({checks})"


def trigger_body(spec: DualWriteSpec, q: Quoter, event: str) -> str:
    """The ``BEGIN … END`` body of the trigger for *event* (``INSERT`` / ``UPDATE``)."""
    forward = _assign(q, spec, spec.new, spec.forward, spec.old[0])
    backward = _assign(q, spec, spec.old, spec.backward, spec.new[0])
    if event == "INSERT":
        first = " AND ".join(f"NEW.{q.name(c)} IS NULL" for c in spec.new)
    else:
        first = " OR ".join(f"NOT (NEW.{q.name(c)} <=> OLD.{q.name(c)})" for c in spec.old)
    lines = [f"IF {first} THEN {forward}"]
    if spec.two_way:
        cond = f"NOT {_agree(q, spec)}"
        if event == "UPDATE":
            changed = " OR ".join(f"NOT (NEW.{q.name(c)} <=> OLD.{q.name(c)})" for c in spec.new)
            cond = f"({changed}) AND {cond}"
        lines.append(f"ELSEIF {cond} THEN {backward}")
    lines.append("END IF;")
    return "BEGIN " + " ".join(lines) + " END"


def _trigger(spec: DualWriteSpec, dialect: Any, tag: str) -> str:
    return Quoter(dialect).table(_name(spec, dialect, tag), spec.schema)


def _name(spec: DualWriteSpec, dialect: Any, tag: str) -> str:
    from .. import naming

    return naming.dual_write_event_trigger(spec.table, spec.old, spec.new, tag, dialect.name)


@register("mysql", "mariadb")
class MySQLDualWrite:
    """Plan builders for MySQL 8 / MariaDB 10.6+."""

    @staticmethod
    def enable(spec: DualWriteSpec, dialect: Any) -> list[Statement]:
        """One ``CREATE TRIGGER`` per event (brief metadata lock, short timeout, retried)."""
        q = Quoter(dialect)
        table = q.table(spec.table, spec.schema)
        label = f"{spec.table}({', '.join(spec.old)} ↔ {', '.join(spec.new)})"
        out = []
        for tag, event in _EVENTS:
            out.append(
                Statement(
                    f"CREATE TRIGGER {_trigger(spec, dialect, tag)} BEFORE {event} ON {table} "
                    f"FOR EACH ROW {trigger_body(spec, q, event)}",
                    lock=LockLevel.ACCESS_EXCLUSIVE,
                    timeout_class=TimeoutClass.DDL,
                    table=spec.table,
                    schema=spec.schema,
                    description=f"dual-write {event} trigger on {label}",
                    done_check=TRIGGER_EXISTS,
                    done_params={"schema": spec.schema, "name": _name(spec, dialect, tag)},
                )
            )
        return out

    @staticmethod
    def disable(spec: DualWriteSpec, dialect: Any) -> list[Statement]:
        """``DROP TRIGGER IF EXISTS`` for both events."""
        return [
            Statement(
                f"DROP TRIGGER IF EXISTS {_trigger(spec, dialect, tag)}",
                lock=LockLevel.ACCESS_EXCLUSIVE,
                timeout_class=TimeoutClass.DDL,
                table=spec.table,
                schema=spec.schema,
                description=f"drop dual-write {event} trigger on {spec.table}",
            )
            for tag, event in _EVENTS
        ]
