"""Resolve the literal value of a Python expression in a revision, without running it.

``"users"`` → ``"users"``; ``sa.Column("email", sa.String(255), nullable=False)`` →
:class:`ColumnSpec`; ``sa.text("now()")`` → :class:`Text`; a name bound to a module
or function constant → that constant; anything else → :data:`UNKNOWN`.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Mapping
from typing import TypeAlias

from ..model import ColumnSpec, DefaultSpec, TypeSpec
from . import backend, strings
from .backend import Backend, DialectTest
from .strings import PLACEHOLDER
from .types import TYPE_NAMES, default_from_function, default_from_sql, normalise_type


class _Unknown:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


@dataclasses.dataclass(frozen=True, slots=True)
class Text:
    """``sa.text("...")``: SQL text."""

    sql: str


@dataclasses.dataclass(frozen=True, slots=True)
class FString:
    """SQL with parts not known statically (f-string holes, unknown operands) filled by
    placeholder identifiers; ``holes`` maps an f-string's placeholders to their source."""

    sql: str
    holes: tuple[tuple[str, str], ...] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class Func:
    """``sa.func.now()``: a SQL function call."""

    name: str


@dataclasses.dataclass(frozen=True, slots=True)
class CallValue:
    """Any other call whose arguments were resolved (``sa.ForeignKey("users.id")``)."""

    name: str
    args: tuple[Value, ...]
    kwargs: tuple[tuple[str, Value], ...]

    def kw(self, name: str, default: Value = None) -> Value:
        """A keyword argument's value."""
        for key, value in self.kwargs:
            if key == name:
                return value
        return default


Value: TypeAlias = (
    "str | int | float | bool | None | tuple[Value, ...] | Text | FString | Func | TypeSpec | ColumnSpec"
    " | CallValue | Backend | DialectTest | Mapping[str, Value] | _Unknown"
)

_SAME_STATEMENT = frozenset({"bindparams", "columns", "execution_options"})
"""``sa.text(...).bindparams(...)`` is still that SQL text."""


def dotted(node: ast.expr) -> str:
    """``sa.func.now`` → ``"sa.func.now"``; empty string for anything else."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def resolve(node: ast.expr | None, env: Mapping[str, Value]) -> Value:
    """The literal value of *node* (``UNKNOWN`` when it cannot be known statically)."""
    if node is None:
        return None
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, str):
            return strings.clean(value)
        return value if isinstance(value, (int, float, bool)) or value is None else UNKNOWN
    if isinstance(node, ast.Name):
        if node.id in env:
            return env[node.id]
        return _type_or_unknown(node.id)
    if isinstance(node, (ast.List, ast.Tuple)):
        return tuple(resolve(elt, env) for elt in node.elts)
    if isinstance(node, ast.Call):
        return _call(node, env)
    if isinstance(node, ast.Attribute):
        return _attribute(node, env)
    if isinstance(node, ast.JoinedStr):
        return _fstring(node, env)
    if isinstance(node, ast.BinOp):
        return _binop(node, env)
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        test = backend.compare(
            node.ops[0], resolve(node.left, env), resolve(node.comparators[0], env)
        )
        return test if test is not None else UNKNOWN
    if isinstance(node, ast.BoolOp):
        test = backend.combine(node, [resolve(v, env) for v in node.values])
        return test if test is not None else UNKNOWN
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        negations = 0
        operand: ast.expr = node
        while isinstance(operand, ast.UnaryOp) and isinstance(operand.op, ast.Not):
            negations, operand = negations + 1, operand.operand  # "not not … x" without recursion
        inner = resolve(operand, env)
        if not isinstance(inner, DialectTest):
            return UNKNOWN
        return DialectTest(inner.value ^ (negations % 2 == 1))
    if isinstance(node, ast.IfExp):
        decided = resolve(node.test, env)
        if isinstance(decided, DialectTest):
            return resolve(node.body if decided.value else node.orelse, env)
    if isinstance(node, ast.Dict):
        return {
            k.value: resolve(v, env)
            for k, v in zip(node.keys, node.values, strict=False)
            if isinstance(k, ast.Constant) and isinstance(k.value, str)
        }
    return UNKNOWN


def _attribute(node: ast.Attribute, env: Mapping[str, Value]) -> Value:
    if node.attr in ("dialect", "engine", "url", "name", "drivername"):
        target = env.get(backend.TARGET_KEY)
        base = None
        if node.attr in ("name", "drivername", "url") and isinstance(
            node.value, (ast.Attribute, ast.Call)
        ):
            base = resolve(node.value, env)
        elif isinstance(node.value, ast.Name):
            base = env.get(node.value.id)
        found = backend.attribute(node.attr, base, target)
        if found is not None:
            return found
    return _type_or_unknown(node.attr, dotted(node))


def _partial_sql(value: object) -> str | None:
    return value.sql if isinstance(value, (FString, Text)) else None


def _binop(node: ast.BinOp, env: Mapping[str, Value]) -> Value:
    if isinstance(node.op, ast.Add):
        joined = strings.join(
            [resolve(part, env) for part in strings.add_parts(node)], _partial_sql
        )
        if joined is None:
            return UNKNOWN
        text, partial = joined
        return FString(text) if partial else text
    if isinstance(node.op, ast.Mod) and not isinstance(node.left, ast.BinOp):
        template = resolve(node.left, env)
        if isinstance(template, str):
            text, partial = strings.percent(template, resolve(node.right, env))
            return FString(text) if partial else text
    return UNKNOWN


def _type_or_unknown(name: str, spelling: str = "") -> Value:
    if name.lower() in TYPE_NAMES and name[:1].isupper():
        return normalise_type(name, raw=spelling or name)
    return UNKNOWN


def _fstring(node: ast.JoinedStr, env: Mapping[str, Value]) -> Value:
    parts: list[str] = []
    holes: list[tuple[str, str]] = []
    for value in node.values:
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            parts.append(strings.clean(value.value))
            continue
        known = None
        if isinstance(value, ast.FormattedValue) and value.format_spec is None:
            known = strings.literal(resolve(value.value, env)) if value.conversion == -1 else None
        if known is not None:
            parts.append(known)
            continue
        placeholder = f"{PLACEHOLDER}_{len(holes)}"
        source = ast.unparse(value.value) if isinstance(value, ast.FormattedValue) else "?"
        holes.append((placeholder, source))
        parts.append(placeholder)
    return FString("".join(parts), tuple(holes)) if holes else "".join(parts)


def _call(node: ast.Call, env: Mapping[str, Value]) -> Value:
    name = dotted(node.func)
    last = name.rsplit(".", 1)[-1] if name else ""
    if not last and isinstance(node.func, ast.Attribute):
        last = node.func.attr
    if last == "Column":
        return column_spec(node, env)
    if isinstance(node.func, ast.Attribute):
        method = _method(node, node.func, env)
        if method is not UNKNOWN:
            return method
    if last == "str" and len(node.args) == 1:
        value = resolve(node.args[0], env)
        return value if isinstance(value, (str, Backend)) else UNKNOWN
    if last == "f" and len(node.args) == 1 and not node.keywords:
        return resolve(node.args[0], env)  # op.f("ix_name"): a name, used as given
    if last == "text" and node.args:
        sql = resolve(node.args[0], env)
        return Text(sql) if isinstance(sql, str) else sql if isinstance(sql, FString) else UNKNOWN
    if ".func." in f".{name}" or name.startswith("func."):
        return Func(last)
    if last.lower() in TYPE_NAMES and last[:1].isupper():
        return type_spec(last, node, env)
    if last == "literal_column" and node.args:
        sql = resolve(node.args[0], env)
        return Text(sql) if isinstance(sql, str) else UNKNOWN
    args = tuple(resolve(a, env) for a in node.args if not isinstance(a, ast.Starred))
    kwargs = tuple((k.arg, resolve(k.value, env)) for k in node.keywords if k.arg)
    return CallValue(last, args, kwargs)


def _method(node: ast.Call, func: ast.Attribute, env: Mapping[str, Value]) -> Value:
    """Methods on SQL text and on the database's name or URL."""
    if func.attr in _SAME_STATEMENT:
        receiver = resolve(func.value, env)
        return receiver if isinstance(receiver, (Text, FString)) else UNKNOWN
    if func.attr in ("startswith", "format", "lower", "get_backend_name"):
        receiver = resolve(func.value, env)
        if isinstance(receiver, Backend):
            if func.attr == "startswith" and node.args:
                test = backend.starts_with(receiver, resolve(node.args[0], env))
                return test if test is not None else UNKNOWN
            if func.attr == "get_backend_name" and receiver.kind == "url":
                return Backend("name", receiver.names)
            return receiver if func.attr == "lower" else UNKNOWN
        if func.attr == "format" and isinstance(receiver, str):
            args = [resolve(a, env) for a in node.args if not isinstance(a, ast.Starred)]
            kwargs = {k.arg: resolve(k.value, env) for k in node.keywords if k.arg}
            formatted = strings.format_(receiver, args, kwargs)
            if formatted is not None:
                return FString(formatted[0]) if formatted[1] else formatted[0]
    return UNKNOWN


def type_spec(cls: str, node: ast.Call, env: Mapping[str, Value]) -> TypeSpec:
    """``sa.String(255)`` → ``TypeSpec("varchar", (255,))``."""
    args: list[int | str] = []
    for arg in node.args:
        value = resolve(arg, env)
        if isinstance(value, (int, str)) and not isinstance(value, bool):
            args.append(value)
    kwargs = {k.arg: resolve(k.value, env) for k in node.keywords if k.arg}
    for key in ("length", "precision", "scale"):
        value = kwargs.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            args.append(value)
    tz = kwargs.get("timezone") is True
    raw = _render(node)
    spec = normalise_type(cls, tuple(args), raw=raw, tz=tz)
    if spec.name == "enum" and (
        kwargs.get("native_enum") is False or kwargs.get("create_type") is False
    ):
        # VARCHAR + CHECK, or a type that already exists: no new enum type is created
        return TypeSpec(
            "enum_existing" if kwargs.get("native_enum") is not False else "varchar", spec.args, raw
        )
    return spec


def _render(node: ast.Call) -> str:
    """Source of a simple type call (``sa.String(length=255)``) without ``ast.unparse``."""
    name = dotted(node.func)
    parts = []
    for arg in node.args:
        if not isinstance(arg, ast.Constant):
            return ast.unparse(node)
        parts.append(repr(arg.value))
    for kw in node.keywords:
        if kw.arg is None or not isinstance(kw.value, ast.Constant):
            return ast.unparse(node)
        parts.append(f"{kw.arg}={kw.value.value!r}")
    return f"{name}({', '.join(parts)})" if name else ast.unparse(node)


def column_spec(node: ast.Call, env: Mapping[str, Value]) -> ColumnSpec:
    """``sa.Column(...)`` → :class:`ColumnSpec` (arguments that are not literal stay unknown)."""
    name: str | None = None
    col_type: TypeSpec | None = None
    foreign_key: str | None = None
    for arg in node.args:
        value = resolve(arg, env)
        if isinstance(value, str) and name is None:
            name = value
        elif isinstance(value, TypeSpec):
            col_type = value
        elif isinstance(value, CallValue) and value.name == "ForeignKey":
            target = value.args[0] if value.args else None
            foreign_key = target if isinstance(target, str) else "?"
    kw = {k.arg: k.value for k in node.keywords if k.arg}
    if "type_" in kw:
        value = resolve(kw["type_"], env)
        col_type = value if isinstance(value, TypeSpec) else col_type
    nullable = resolve(kw.get("nullable"), env) if "nullable" in kw else None
    primary_key = resolve(kw.get("primary_key"), env) is True
    kind = next((_generated_kind(a, env) for a in node.args if _is_generated(a)), "")
    if not kind and primary_key and _implicit_autoincrement(col_type, foreign_key, kw, env):
        kind = "autoincrement"
    return ColumnSpec(
        name=name,
        type=col_type,
        nullable=nullable if isinstance(nullable, bool) else None,
        primary_key=primary_key,
        server_default=server_default(kw["server_default"], env)
        if "server_default" in kw
        else None,
        python_default=ast.unparse(kw["default"]) if "default" in kw else None,
        unique=resolve(kw.get("unique"), env) is True,
        index=resolve(kw.get("index"), env) is True,
        foreign_key=foreign_key,
        generated=any(_is_generated(a) for a in node.args),
        generated_kind=kind,
    )


_INTEGER_TYPES = frozenset({"integer", "bigint", "smallint"})


def _implicit_autoincrement(
    col_type: TypeSpec | None,
    foreign_key: str | None,
    kw: Mapping[str, ast.expr],
    env: Mapping[str, Value],
) -> bool:
    """SQLAlchemy's ``autoincrement="auto"`` on an integer primary key: SERIAL / AUTO_INCREMENT.

    ``op.add_column`` puts the column alone in a table, so it is that table's whole
    primary key and SQLAlchemy renders ``ADD COLUMN id SERIAL NOT NULL`` on PostgreSQL.
    """
    auto = resolve(kw["autoincrement"], env) if "autoincrement" in kw else "auto"
    return (
        col_type is not None
        and col_type.name in _INTEGER_TYPES
        and foreign_key is None
        and "server_default" not in kw
        and auto in (True, "auto")
    )


def _is_generated(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and dotted(node.func).rsplit(".", 1)[-1] in (
        "Computed",
        "Identity",
    )


def _generated_kind(node: ast.expr, env: Mapping[str, Value]) -> str:
    """``sa.Identity()`` → ``identity``; ``sa.Computed(..., persisted=...)`` → stored/virtual/computed."""
    if not isinstance(node, ast.Call):
        return ""
    if dotted(node.func).rsplit(".", 1)[-1] == "Identity":
        return "identity"
    kw = {k.arg: k.value for k in node.keywords if k.arg}
    persisted = resolve(kw["persisted"], env) if "persisted" in kw else None
    if persisted is True:
        return "stored"
    return "virtual" if persisted is False else "computed"


def server_default(node: ast.expr, env: Mapping[str, Value]) -> DefaultSpec | None:
    """The server default of a column, ``None`` when it is explicitly ``None``."""
    value = resolve(node, env)
    if value is None:
        return None
    if isinstance(value, Func):
        return default_from_function(value.name, f"{value.name}()")
    if isinstance(value, Text):
        return default_from_sql(value.sql)
    if isinstance(value, (str, int, float, bool)):
        return DefaultSpec(str(value))
    return DefaultSpec(ast.unparse(node), expression=True)
