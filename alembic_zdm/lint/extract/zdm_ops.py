"""The plugin's own operations (DESIGN §4), mapped to what they finally do.

They carry ``zdm_op``: rules know these already take the safe path (concurrent
builds, NOT VALID + VALIDATE, lock timeouts and retries of their own).
"""

from __future__ import annotations

from .. import model as m
from ..model import Action, ColumnSpec, Kind
from .binding import Bound, new_action
from .ops import PATTERN_OPS, constraint_builder


def build_zdm(name: str, origin: str, b: Bound) -> list[Action]:
    """The plugin's own operations, mapped to what they do in the end."""
    table = b.text("table_name")
    code = b.code(
        "table_name", "index_name" if "index" in name else "constraint_name", "column_name"
    )
    common: dict[str, object] = {"table": table, "zdm_op": name, "code": code}
    if name == "add_index_concurrently":
        flags = {m.CONCURRENTLY} | ({m.UNIQUE} if b.flag("unique") else set())
        return [
            new_action(
                Kind.CREATE_INDEX,
                origin,
                name=b.text("index_name"),
                columns=b.strings("columns"),
                flags=frozenset(flags),
                **common,
            )
        ]
    if name == "drop_index_concurrently":
        return [
            new_action(
                Kind.DROP_INDEX,
                origin,
                name=b.text("index_name"),
                flags=frozenset({m.CONCURRENTLY, m.IF_EXISTS}),
                **common,
            )
        ]
    if name in PATTERN_OPS:
        col = b.value("column")
        column = col.name if isinstance(col, ColumnSpec) else b.text("column_name") or b.text("old")
        return [new_action(Kind.PATTERN, origin, column=column, name=b.text("new"), **common)]
    if name in ("add_foreign_key_safe", "add_check_constraint_safe", "add_unique_constraint_safe"):
        kind = {"add_foreign_key_safe": "foreign_key", "add_check_constraint_safe": "check"}.get(
            name, "unique"
        )
        built = constraint_builder(kind, "source_table" if kind == "foreign_key" else "table_name")(
            origin, b, None
        )
        action = built[0]
        action.zdm_op = name
        action.flags = frozenset({m.NOT_VALID, m.USING_INDEX})
        return [action]
    if name == "set_not_null_safe":
        return [new_action(Kind.SET_NOT_NULL, origin, column=b.text("column_name"), **common)]
    if name == "safe_drop_column":
        return [new_action(Kind.DROP_COLUMN, origin, column=b.text("column_name"), **common)]
    if name == "safe_drop_table":
        return [new_action(Kind.DROP_TABLE, origin, **common)]
    if name == "backfill":
        return [new_action(Kind.DATA_CHANGE, origin, **common)]
    if name in ("enable_dual_write", "disable_dual_write"):
        return [new_action(Kind.DUAL_WRITE, origin, **common)]
    return []
