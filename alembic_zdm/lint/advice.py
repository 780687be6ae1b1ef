"""The safe code each finding suggests, written with the user's own names."""

from __future__ import annotations

import json

from .model import Action, ColumnSpec, TypeSpec

_SA_TYPES = {
    "varchar": "sa.String",
    "text": "sa.Text",
    "char": "sa.CHAR",
    "integer": "sa.Integer",
    "bigint": "sa.BigInteger",
    "smallint": "sa.SmallInteger",
    "numeric": "sa.Numeric",
    "boolean": "sa.Boolean",
    "timestamp": "sa.DateTime",
    "date": "sa.Date",
    "time": "sa.Time",
    "float": "sa.Float",
    "uuid": "sa.Uuid",
    "json": "sa.JSON",
    "jsonb": "postgresql.JSONB",
    "interval": "sa.Interval",
}


def q(value: str | None, placeholder: str = "...") -> str:
    """A Python string literal, or *placeholder* when unknown."""
    return json.dumps(value) if value is not None else placeholder


def rel(action: Action) -> str:
    """The table for a message: ``"events.principals"``, or the user's expression when not literal."""
    if action.relation is not None:
        return q(action.relation)
    if "table" in action.code:
        table = action.code["table"]
        return f"{action.code['schema']}.{table}" if "schema" in action.code else table
    return "the table"


def index_ref(action: Action) -> str:
    """An index name for a message, schema-qualified like its table: ``"events.ix_x"``."""
    if action.name is None:
        return "an index"
    return f"index {q(f'{action.schema}.{action.name}' if action.schema else action.name)}"


def sa_type(spec: TypeSpec | None) -> str:
    """Python source for a type: the user's own spelling when they wrote Python."""
    if spec is None:
        return "sa.Text()"
    if (
        spec.raw.startswith(("sa.", "sqlalchemy.", "postgresql.", "mysql."))
        or spec.raw[:1].isupper()
    ):
        return spec.raw
    if spec.name == "timestamptz":
        return "sa.DateTime(timezone=True)"
    base = _SA_TYPES.get(spec.name)
    if base is None:
        return f"sa.types.{spec.name.upper()}()"
    args = ", ".join(str(a) for a in spec.args if isinstance(a, int))
    return f"{base}({args})"


def column(action: Action, nullable: bool | None = None, with_default: bool = False) -> str:
    """``sa.Column("status", sa.String(20), nullable=False)`` for an ADD COLUMN action."""
    col = action.coldef or ColumnSpec(action.column)
    parts = [q(col.name), sa_type(col.type)]
    if nullable is not None:
        parts.append(f"nullable={nullable}")
    if with_default and col.server_default is not None:
        parts.append(f"server_default=sa.text({q(col.server_default.text)})")
    return f"sa.Column({', '.join(parts)})"


def index_name(action: Action) -> str:
    """The index name as written, or the ``ix_<table>_<columns>`` Alembic would make of ``None``."""
    if action.name is not None or "name" in action.code:
        return action.arg("name")
    parts = [action.table or "table", *(action.columns or ("column",))]
    return q("_".join(["ix", *parts]))


def add_index_concurrently(action: Action) -> str:
    """``op.add_index_concurrently(name, table, [cols])``."""
    unique = ", unique=True" if action.has("unique") else ""
    return (
        f"op.add_index_concurrently({index_name(action)}, "
        f"{action.arg('table')}, {action.arg('columns')}{unique}{action.schema_kw})"
    )


def drop_index_concurrently(action: Action) -> str:
    """``op.drop_index_concurrently(name, table)``."""
    return (
        f"op.drop_index_concurrently({action.arg('name')}, {action.arg('table')}{action.schema_kw})"
    )


def backfill(action: Action) -> str:
    """``op.backfill(table, set=..., where=...)`` from an UPDATE."""
    set_ = action.options.get("set")
    set_code = "{" + set_ + "}" if set_ else '{"<column>": "<expression>"}'
    where = action.options.get("where")
    where_code = f", where={q(where)}" if where else ""
    return (
        f"op.backfill({action.arg('table')}, set={set_code}{where_code}, batch_size=1000"
        f"{action.schema_kw})"
    )


def call(name: str, action: Action, *fields: str) -> str:
    """``op.<name>(<fields of action>, schema=...)`` (``schema=`` only when the user gave one)."""
    return f"op.{name}({', '.join(action.arg(f) for f in fields)}{schema_kw(action, name)})"


def schema_kw(action: Action, op_name: str = "") -> str:
    """``, schema="events"`` for a call of *op_name* (``source_schema=`` for foreign keys)."""
    kw = action.schema_kw
    if kw and op_name in ("add_foreign_key_safe", "create_foreign_key"):
        return kw.replace(", schema=", ", source_schema=", 1)
    return kw
