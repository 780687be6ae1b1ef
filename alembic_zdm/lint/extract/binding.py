"""Arguments of an ``op.*`` call bound to parameter names, resolved lazily."""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Callable, Mapping

from ..model import Action, Kind
from .values import Value, resolve

_ALIASES = {
    "table_name": ("table", "source_table", "table_name"),
    "column_name": ("column", "column_name"),
    "index_name": ("name", "index_name"),
    "constraint_name": ("name", "constraint_name"),
    "columns": ("columns", "cols", "local_cols"),
    "new_type": ("new_type", "type_"),
}


@dataclasses.dataclass(slots=True)
class Bound:
    """The arguments of one call, bound to parameter names."""

    nodes: dict[str, ast.expr]
    extra: list[ast.expr]
    env: Mapping[str, Value]
    resolved: dict[str, Value] = dataclasses.field(default_factory=dict)
    """Values already resolved (builders ask for the same argument several times)."""

    def node(self, name: str) -> ast.expr | None:
        """The argument node for *name* (accepting the usual aliases)."""
        for alias in (name, *_ALIASES.get(name, ())):
            if alias in self.nodes:
                return self.nodes[alias]
        return None

    def value(self, name: str) -> Value:
        """The resolved argument (``None`` when absent)."""
        if name in self.resolved:
            return self.resolved[name]
        node = self.node(name)
        value = resolve(node, self.env) if node is not None else None
        self.resolved[name] = value
        return value

    def text(self, name: str) -> str | None:
        """The argument if it is a literal string."""
        value = self.value(name)
        return value if isinstance(value, str) else None

    def strings(self, name: str) -> tuple[str, ...]:
        """A list of literal strings (``["a", "b"]`` or a single ``"a"``)."""
        value = self.value(name)
        if isinstance(value, str):
            return (value,)
        if isinstance(value, tuple):
            return tuple(v for v in value if isinstance(v, str))
        return ()

    def flag(self, name: str) -> bool:
        """Whether a keyword argument is literally ``True``."""
        return self.value(name) is True

    def code(self, *names: str) -> dict[str, str]:
        """User source for arguments that are not plain literals (for help lines)."""
        result = {}
        for field, name in zip(("table", "name", "column", "columns"), names, strict=False):
            node = self.node(name) if name else None
            if node is not None and not isinstance(node, ast.Constant):
                value = resolve(node, self.env)
                literal = isinstance(value, str) or (
                    isinstance(value, tuple) and all(isinstance(v, str) for v in value)
                )
                if not literal:
                    result[field] = ast.unparse(node)
        return result


def bind(call: ast.Call, params: tuple[str, ...], env: Mapping[str, Value]) -> Bound:
    """Bind *call*'s arguments to *params* positionally, then by keyword."""
    nodes: dict[str, ast.expr] = {}
    extra: list[ast.expr] = []
    for i, arg in enumerate(call.args):
        if isinstance(arg, ast.Starred):
            continue
        if i < len(params):
            nodes[params[i]] = arg
        else:
            extra.append(arg)
    for kw in call.keywords:
        if kw.arg:
            nodes[kw.arg] = kw.value
    return Bound(nodes, extra, env)


def new_action(kind: Kind, origin: str, **fields: object) -> Action:
    return Action(kind=kind, line=0, col=0, origin=origin, **fields)  # type: ignore[arg-type]


def table_of(b: Bound, batch_table: str | None, param: str = "table_name") -> str | None:
    return batch_table if batch_table is not None else b.text(param)


Builder = Callable[[str, Bound, "str | None"], list[Action]]
"""Turns the bound arguments of one operation (and the batch table, if any) into actions."""
