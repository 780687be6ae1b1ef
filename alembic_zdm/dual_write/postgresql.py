"""PostgreSQL dual-write: one PL/pgSQL ``BEFORE INSERT OR UPDATE`` row trigger.

The function decides, per row, which side the writer changed:

* INSERT: all new columns NULL → an old-code insert: compute the new columns
  (*forward*); otherwise a new-code insert: compute the old columns (*backward*).
* UPDATE: an old column changed → *forward* (the old side wins when both changed);
  only a new column changed → *backward*.

No recursion and no ping-pong: the trigger only assigns to ``NEW`` (no extra
statements that could fire it again), and the backward direction is skipped when
the new values already equal *forward* of the old ones — the case of a backfill, so
a lossy backward conversion never rewrites old data it did not need to.
User expressions are evaluated over ``(SELECT NEW.*) AS zdm_row``, so they name the
table's columns exactly as in a backfill's ``SET`` clause.
"""

from __future__ import annotations

from typing import Any

from ..sql.quoting import dollar_quote
from ..sql.statement import LockLevel, Statement, TimeoutClass
from .registry import register
from .spec import DualWriteSpec

_ROW = "FROM (SELECT NEW.*) AS zdm_row"


def _quoter(dialect: Any) -> Any:
    return dialect.identifier_preparer


def qualified(dialect: Any, name: str, schema: str | None) -> str:
    """``"schema"."name"`` (or ``"name"``) quoted by the dialect's preparer."""
    prep = _quoter(dialect)
    quoted: str = prep.quote(name)
    return f"{prep.quote_schema(schema)}.{quoted}" if schema else quoted


def _assign(
    dialect: Any, targets: tuple[str, ...], exprs: tuple[str | None, ...], source: str
) -> str:
    prep = _quoter(dialect)
    if all(e is None for e in exprs):
        return " ".join(f"NEW.{prep.quote(t)} := NEW.{prep.quote(source)};" for t in targets)
    cols = ", ".join(f"NEW.{prep.quote(t)}" for t in targets)
    values = ", ".join(
        f"({e})" if e is not None else f"zdm_row.{prep.quote(source)}" for e in exprs
    )
    return "SELECT " + values + " INTO " + cols + " " + _ROW + ";"


def _agree(dialect: Any, spec: DualWriteSpec) -> str:
    """A statement setting ``zdm_same`` when the new columns equal *forward* of the old."""
    prep = _quoter(dialect)
    checks = " AND ".join(
        f"({e if e is not None else 'zdm_row.' + prep.quote(spec.old[0])}) "
        f"IS NOT DISTINCT FROM NEW.{prep.quote(n)}"
        for n, e in zip(spec.new, spec.forward, strict=True)
    )
    return "SELECT " + checks + " INTO zdm_same " + _ROW + ";"


def function_body(spec: DualWriteSpec, dialect: Any) -> str:
    """The PL/pgSQL body of the trigger function (between the dollar quotes)."""
    prep = _quoter(dialect)
    forward = _assign(dialect, spec.new, spec.forward, spec.old[0])
    if spec.two_way:
        backward = (
            _agree(dialect, spec)
            + " IF NOT zdm_same THEN "
            + _assign(dialect, spec.old, spec.backward, spec.new[0])
            + " END IF;"
        )
    else:
        backward = "NULL;"
    new_null = " AND ".join(f"NEW.{prep.quote(c)} IS NULL" for c in spec.new)
    old_changed = " OR ".join(
        f"NEW.{prep.quote(c)} IS DISTINCT FROM OLD.{prep.quote(c)}" for c in spec.old
    )
    new_changed = " OR ".join(
        f"NEW.{prep.quote(c)} IS DISTINCT FROM OLD.{prep.quote(c)}" for c in spec.new
    )
    lines = [
        "DECLARE zdm_same boolean;",
        "BEGIN",
        "  IF TG_OP = 'INSERT' THEN",
        f"    IF {new_null} THEN {forward} ELSE {backward} END IF;",
        f"  ELSIF {old_changed} THEN {forward}",
        f"  ELSIF {new_changed} THEN {backward}",
        "  END IF;",
        "  RETURN NEW;",
        "END",
    ]
    return "\n".join(lines)


@register("postgresql")
class PostgresDualWrite:
    """Plan builders for PostgreSQL (12+)."""

    @staticmethod
    def enable(spec: DualWriteSpec, dialect: Any) -> list[Statement]:
        """``CREATE OR REPLACE FUNCTION`` + ``CREATE TRIGGER`` (SHARE ROW EXCLUSIVE, short)."""
        fn = qualified(dialect, spec.function_name(dialect.name), spec.schema)
        trigger = _quoter(dialect).quote(spec.trigger_name(dialect.name))
        table = qualified(dialect, spec.table, spec.schema)
        body = function_body(spec, dialect)
        create_fn = (
            f"CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS "
            + dollar_quote(f"\n{body}\n")
        )
        create_trigger = (
            f"CREATE TRIGGER {trigger} BEFORE INSERT OR UPDATE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {fn}()"
        )
        label = f"{spec.table}({', '.join(spec.old)} ↔ {', '.join(spec.new)})"
        return [
            Statement(
                create_fn,
                timeout_class=TimeoutClass.NONE,
                description=f"dual-write function for {label}",
            ),
            Statement(
                create_trigger,
                lock=LockLevel.SHARE_ROW_EXCLUSIVE,
                timeout_class=TimeoutClass.DDL,
                table=spec.table,
                description=f"dual-write trigger on {label}",
            ),
        ]

    @staticmethod
    def disable(spec: DualWriteSpec, dialect: Any) -> list[Statement]:
        """``DROP TRIGGER`` (ACCESS EXCLUSIVE, short) + ``DROP FUNCTION``."""
        fn = qualified(dialect, spec.function_name(dialect.name), spec.schema)
        trigger = _quoter(dialect).quote(spec.trigger_name(dialect.name))
        table = qualified(dialect, spec.table, spec.schema)
        return [
            Statement(
                f"DROP TRIGGER IF EXISTS {trigger} ON {table}",
                lock=LockLevel.ACCESS_EXCLUSIVE,
                timeout_class=TimeoutClass.DDL,
                table=spec.table,
                description=f"drop dual-write trigger on {spec.table}",
            ),
            Statement(
                f"DROP FUNCTION IF EXISTS {fn}()",
                timeout_class=TimeoutClass.NONE,
                description=f"drop dual-write function of {spec.table}",
            ),
        ]
