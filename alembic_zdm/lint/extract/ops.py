"""``op.*`` calls → actions: Alembic's own operations.

Positional parameters follow Alembic's signatures; on ``batch_op`` the table comes
from the enclosing ``batch_alter_table``. This plugin's operations are mapped in
:mod:`.zdm_ops`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping

from .. import model as m
from ..model import Action, ColumnSpec, Kind, TypeSpec
from .binding import Bound, Builder, bind, new_action, table_of
from .sql import not_null_condition
from .values import CallValue, Text, Value, resolve

# op name → (positional parameters on ``op``, positional parameters on ``batch_op``)
SIGNATURES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "create_index": (("index_name", "table_name", "columns"), ("index_name", "columns")),
    "drop_index": (("index_name", "table_name"), ("index_name",)),
    "add_column": (("table_name", "column"), ("column",)),
    "drop_column": (("table_name", "column_name"), ("column_name",)),
    "alter_column": (("table_name", "column_name"), ("column_name",)),
    "create_table": (("table_name",), ()),
    "drop_table": (("table_name",), ()),
    "rename_table": (("old_table_name", "new_table_name"), ()),
    "create_foreign_key": (
        ("constraint_name", "source_table", "referent_table", "local_cols", "remote_cols"),
        ("constraint_name", "referent_table", "local_cols", "remote_cols"),
    ),
    "create_check_constraint": (
        ("constraint_name", "table_name", "condition"),
        ("constraint_name", "condition"),
    ),
    "create_unique_constraint": (
        ("constraint_name", "table_name", "columns"),
        ("constraint_name", "columns"),
    ),
    "create_primary_key": (
        ("constraint_name", "table_name", "columns"),
        ("constraint_name", "columns"),
    ),
    "create_exclude_constraint": (("constraint_name", "table_name"), ("constraint_name",)),
    "drop_constraint": (("constraint_name", "table_name", "type_"), ("constraint_name", "type_")),
    "execute": (("sqltext",), ("sqltext",)),
    "bulk_insert": (("table", "rows"), ()),
    # alembic-zdm operations (DESIGN §4)
    "add_index_concurrently": (("index_name", "table_name", "columns"), ()),
    "drop_index_concurrently": (("index_name", "table_name"), ()),
    "add_required_column": (("table_name", "column"), ()),
    "safe_rename_column": (("table_name", "old", "new"), ()),
    "safe_change_column_type": (("table_name", "column_name", "new_type"), ()),
    "add_foreign_key_safe": (
        ("constraint_name", "source_table", "referent_table", "local_cols", "remote_cols"),
        (),
    ),
    "add_check_constraint_safe": (("constraint_name", "table_name", "condition"), ()),
    "add_unique_constraint_safe": (("constraint_name", "table_name", "columns"), ()),
    "set_not_null_safe": (("table_name", "column_name"), ()),
    "safe_drop_column": (("table_name", "column_name"), ()),
    "safe_drop_table": (("table_name",), ()),
    "backfill": (("table_name",), ()),
    "enable_dual_write": (("table_name", "old", "new"), ()),
    "disable_dual_write": (("table_name", "old", "new"), ()),
    "split_column": (("table_name", "column_name"), ()),
    "merge_columns": (("table_name", "columns"), ()),
}
PATTERN_OPS = (
    "safe_rename_column",
    "add_required_column",
    "safe_change_column_type",
    "split_column",
    "merge_columns",
)
"""Multi-phase pattern operations: written once in ``expand()`` (DESIGN §2)."""

SELF_UNDOING_OPS = frozenset(
    {
        *PATTERN_OPS,
        "safe_drop_column",
        "safe_drop_table",
        "add_foreign_key_safe",
        "add_check_constraint_safe",
        "add_unique_constraint_safe",
        "set_not_null_safe",
    }
)
"""Operations the phase runner undoes by itself (they are ``PatternOperation`` s)."""

ZDM_OPS = frozenset(
    {
        "add_index_concurrently",
        "drop_index_concurrently",
        "add_required_column",
        "safe_rename_column",
        "safe_change_column_type",
        "add_foreign_key_safe",
        "add_check_constraint_safe",
        "add_unique_constraint_safe",
        "set_not_null_safe",
        "safe_drop_column",
        "safe_drop_table",
        "backfill",
        "enable_dual_write",
        "disable_dual_write",
        "split_column",
        "merge_columns",
    }
)
"""The plugin's operations (besides ``validate_*``); they handle lock timeouts themselves."""


def _create_index(origin: str, b: Bound, batch: str | None) -> list[Action]:
    prefix = str(b.value("mysql_prefix") or "").upper()
    flags = {
        flag
        for flag, on in (
            (m.UNIQUE, b.flag("unique")),
            (m.CONCURRENTLY, b.flag("postgresql_concurrently")),
            (m.IF_NOT_EXISTS, b.flag("if_not_exists")),
            (m.FULLTEXT, prefix == "FULLTEXT"),
            (m.SPATIAL, prefix == "SPATIAL"),
        )
        if on
    }
    table = table_of(b, batch)
    return [
        new_action(
            Kind.CREATE_INDEX,
            origin,
            table=table,
            name=b.text("index_name"),
            columns=b.strings("columns"),
            flags=frozenset(flags),
            code=b.code("table_name", "index_name", "", "columns"),
        )
    ]


def _drop_index(origin: str, b: Bound, batch: str | None) -> list[Action]:
    flags = {
        f
        for f, on in (
            (m.CONCURRENTLY, b.flag("postgresql_concurrently")),
            (m.IF_EXISTS, b.flag("if_exists")),
        )
        if on
    }
    return [
        new_action(
            Kind.DROP_INDEX,
            origin,
            table=table_of(b, batch),
            name=b.text("index_name"),
            flags=frozenset(flags),
            code=b.code("table_name", "index_name"),
        )
    ]


def column_actions(
    origin: str, table: str | None, col: ColumnSpec, code: dict[str, str]
) -> list[Action]:
    """ADD COLUMN plus the index, unique and foreign-key constraints Alembic adds with it."""
    actions = [
        new_action(Kind.ADD_COLUMN, origin, table=table, column=col.name, coldef=col, code=code)
    ]
    cols = (col.name,) if col.name else ()
    if col.index:
        name = f"ix_{table}_{col.name}"
        actions.append(
            new_action(
                Kind.CREATE_INDEX,
                origin,
                table=table,
                name=name,
                columns=cols,
                code=code,
                flags=frozenset({m.UNIQUE} if col.unique else ()),
            )
        )
    elif col.unique:
        actions.append(
            new_action(
                Kind.ADD_CONSTRAINT,
                origin,
                table=table,
                constraint="unique",
                columns=cols,
                name=f"uq_{table}_{col.name}",
                code=code,
            )
        )
    if col.foreign_key:
        actions.append(
            new_action(
                Kind.ADD_CONSTRAINT,
                origin,
                table=table,
                constraint="foreign_key",
                columns=cols,
                name=f"fk_{table}_{col.name}",
                options={"references": col.foreign_key},
                code=code,
            )
        )
    return actions


def _add_column(origin: str, b: Bound, batch: str | None) -> list[Action]:
    col = b.value("column")
    if not isinstance(col, ColumnSpec):
        return [
            new_action(Kind.ADD_COLUMN, origin, table=table_of(b, batch), code=b.code("table_name"))
        ]
    actions = column_actions(origin, table_of(b, batch), col, b.code("table_name"))
    if b.flag("if_not_exists"):
        actions[0].flags = frozenset({m.IF_NOT_EXISTS})
    return actions


def _drop_column(origin: str, b: Bound, batch: str | None) -> list[Action]:
    return [
        new_action(
            Kind.DROP_COLUMN,
            origin,
            table=table_of(b, batch),
            column=b.text("column_name"),
            code=b.code("table_name", "", "column_name"),
        )
    ]


def _alter_column(origin: str, b: Bound, batch: str | None) -> list[Action]:
    common: dict[str, object] = {
        "table": table_of(b, batch),
        "column": b.text("column_name"),
        "code": b.code("table_name", "", "column_name"),
    }
    actions = []
    new_name = b.text("new_column_name")
    if new_name:
        actions.append(new_action(Kind.RENAME_COLUMN, origin, name=new_name, **common))
    nullable, existing = b.value("nullable"), b.value("existing_nullable")
    if nullable is False and existing is not False:
        actions.append(new_action(Kind.SET_NOT_NULL, origin, **common))
    elif nullable is True and existing is not True:
        known = {"existing_nullable": "false"} if existing is False else {}
        actions.append(new_action(Kind.DROP_NOT_NULL, origin, options=known, **common))
    new_type = b.value("type_")
    if b.node("type_") is not None:
        old = b.value("existing_type")
        actions.append(
            new_action(
                Kind.ALTER_TYPE,
                origin,
                new_type=new_type if isinstance(new_type, TypeSpec) else None,
                old_type=old if isinstance(old, TypeSpec) else None,
                **common,
            )
        )
    if b.node("server_default") is not None and b.value("server_default") is not False:
        actions.append(new_action(Kind.SET_DEFAULT, origin, **common))
    return actions


def _create_table(origin: str, b: Bound, batch: str | None) -> list[Action]:
    table = b.text("table_name")
    columns = tuple(c for c in (resolve(n, b.env) for n in b.extra) if isinstance(c, ColumnSpec))
    actions = [
        new_action(
            Kind.CREATE_TABLE, origin, table=table, coldefs=columns, code=b.code("table_name")
        )
    ]
    for node in b.extra:
        col = resolve(node, b.env)
        if isinstance(col, ColumnSpec) and col.type is not None and col.type.name == "enum":
            actions.append(
                new_action(
                    Kind.CREATE_ENUM,
                    origin,
                    table=table,
                    column=col.name,
                    name=_enum_name(col.type),
                )
            )
    return actions


_ENUM_NAME = re.compile(r"""\bname\s*=\s*['"]([^'"]+)['"]""")


def _enum_name(spec: TypeSpec) -> str | None:
    """The type name of ``sa.Enum(..., name="status")`` (``None`` when not given literally)."""
    match = _ENUM_NAME.search(spec.raw)
    return match.group(1) if match else None


def constraint_builder(kind: str, table_param: str = "table_name") -> Builder:
    def build(origin: str, b: Bound, batch: str | None) -> list[Action]:
        condition = b.value("condition")
        text = (
            condition.sql
            if isinstance(condition, Text)
            else condition
            if isinstance(condition, str)
            else None
        )
        flags = {m.NOT_VALID} if b.flag("postgresql_not_valid") else set()
        referent = b.text("referent_table")
        options = {"references": referent} if referent else {}
        referent_schema = b.text("referent_schema")
        if referent_schema:
            options["referent_schema"] = referent_schema
        remote = b.node("remote_cols")
        if remote is not None:
            options["remote"] = ast.unparse(remote)
        if text:
            options["condition"] = text
        return [
            new_action(
                Kind.ADD_CONSTRAINT,
                origin,
                table=table_of(b, batch, table_param),
                name=b.text("constraint_name"),
                constraint=kind,
                columns=b.strings("local_cols") or b.strings("columns"),
                condition=not_null_condition(text) if text else None,
                flags=frozenset(flags),
                options=options,
                code=b.code(table_param, "constraint_name", "", "columns"),
            )
        ]

    return build


def _drop_constraint(origin: str, b: Bound, batch: str | None) -> list[Action]:
    given = b.value("type_")
    kind = (
        {"foreignkey": "foreign_key", "primary": "primary_key"}.get(given, given)
        if isinstance(given, str)
        else None  # no type_= (or not a literal): the kind is not known
    )
    return [
        new_action(
            Kind.DROP_CONSTRAINT,
            origin,
            table=table_of(b, batch),
            name=b.text("constraint_name"),
            constraint=kind,
            code=b.code("table_name", "constraint_name"),
        )
    ]


def _rename_table(origin: str, b: Bound, batch: str | None) -> list[Action]:
    return [
        new_action(
            Kind.RENAME_TABLE,
            origin,
            table=b.text("old_table_name"),
            name=b.text("new_table_name"),
            code=b.code("old_table_name", "new_table_name"),
        )
    ]


def _drop_table(origin: str, b: Bound, batch: str | None) -> list[Action]:
    flags = frozenset({m.IF_EXISTS}) if b.flag("if_exists") else frozenset()
    return [
        new_action(
            Kind.DROP_TABLE,
            origin,
            table=b.text("table_name"),
            flags=flags,
            code=b.code("table_name"),
        )
    ]


def _bulk_insert(origin: str, b: Bound, batch: str | None) -> list[Action]:
    table = b.value("table")
    name = table.args[0] if isinstance(table, CallValue) and table.args else None
    return [new_action(Kind.INSERT_VALUES, origin, table=name if isinstance(name, str) else None)]


BUILDERS: dict[str, Builder] = {
    "create_index": _create_index,
    "drop_index": _drop_index,
    "add_column": _add_column,
    "drop_column": _drop_column,
    "alter_column": _alter_column,
    "create_table": _create_table,
    "drop_table": _drop_table,
    "rename_table": _rename_table,
    "create_foreign_key": constraint_builder("foreign_key", "source_table"),
    "create_check_constraint": constraint_builder("check"),
    "create_unique_constraint": constraint_builder("unique"),
    "create_primary_key": constraint_builder("primary_key"),
    "create_exclude_constraint": constraint_builder("exclude"),
    "drop_constraint": _drop_constraint,
    "bulk_insert": _bulk_insert,
}


def build(
    name: str,
    origin: str,
    call: ast.Call,
    env: Mapping[str, Value],
    batch: str | None,
    batch_schema: Value = None,
) -> list[Action]:
    """Actions of ``op.<name>(...)`` (or ``batch_op.<name>`` when *batch* names the table)."""
    if name.startswith("validate_"):
        return [new_action(Kind.VALIDATION, origin, name=name, zdm_op=name)]
    sig = SIGNATURES.get(name)
    if sig is None:
        return []
    params = sig[1] if batch is not None else sig[0]
    bound = bind(call, params, env)
    if name in ZDM_OPS:
        from .zdm_ops import build_zdm

        actions = build_zdm(name, origin, bound)
    else:
        builder = BUILDERS.get(name)
        actions = builder(origin, bound, batch) if builder else []
    _set_schema(actions, bound, batch_schema)
    return actions


def _set_schema(actions: list[Action], b: Bound, batch_schema: Value) -> None:
    """The schema the user gave (``schema=``, ``source_schema=``, or the batch's), on every action."""
    param = next((p for p in ("schema", "source_schema") if b.node(p) is not None), None)
    node = b.node(param) if param else None
    value = resolve(node, b.env) if node is not None else batch_schema
    schema = value if isinstance(value, str) else None
    source = ast.unparse(node) if node is not None and schema is None else None
    if schema is None and source is None:
        return
    for action in actions:
        if action.schema is None:
            action.schema = schema
        if source and source != "None":
            action.code.setdefault("schema", source)
