"""Read a revision file as Python AST — no import, no database — into a :class:`Revision`.

For every ``op.*`` call (also through ``from alembic import op as alias``, on the
``batch_op`` of ``with op.batch_alter_table(...)``, and ``execute`` on
``op.get_bind()``) it records the resolved literal arguments, the phase function it
sits in and whether it runs inside ``autocommit_block()``. SQL text passed to
``execute`` is parsed (only when present) and its statements become actions too.
"""

from __future__ import annotations

import ast
import dataclasses
import json

from .. import model as m
from ..model import ALL_FUNCTIONS, PHASE_FUNCTIONS, Action, FunctionInfo, Kind, Problem, Revision
from ..target import Target
from . import ops
from .backend import TARGET_KEY, DialectTest, for_dialect
from .links import mark_new_objects
from .sql import line_col, parse, short
from .strings import PLACEHOLDER
from .values import UNKNOWN, FString, Text, Value, dotted, resolve

_MAX_INLINE_DEPTH = 3
_EXECUTE = ("execute", "exec_driver_sql")


@dataclasses.dataclass
class _Scope:
    phase: str
    env: dict[str, Value]
    batch: dict[str, str | None] = dataclasses.field(default_factory=dict)
    batch_schema: dict[str, Value] = dataclasses.field(default_factory=dict)
    conns: set[str] = dataclasses.field(default_factory=set)
    autocommit: bool = False
    loop: bool = False

    def child(self, **changes: object) -> _Scope:
        new = dataclasses.replace(
            self,
            env=dict(self.env),
            batch=dict(self.batch),
            batch_schema=dict(self.batch_schema),
            conns=set(self.conns),
        )
        for key, value in changes.items():
            setattr(new, key, value)
        return new


class PythonExtractor:
    """Walks one revision module."""

    def __init__(self, path: str, source: str, target: Target) -> None:
        self.path = path
        self.source = source
        self.target = target
        self.op_names: set[str] = {"op"}
        self.module_env: dict[str, Value] = {TARGET_KEY: for_dialect(target.dialect)}
        self.helpers: dict[str, ast.FunctionDef] = {}
        self.inlining: list[str] = []
        self.actions: list[Action] = []
        self.problems: list[Problem] = []
        self.unreadable: list[Problem] = []
        self.function: FunctionInfo | None = None

    def run(self) -> Revision:
        """Extract; a syntax error becomes a :class:`Problem` (rule ZDM005)."""
        rev = Revision(path=self.path)
        try:
            tree = ast.parse(self.source, filename=self.path)
        except (SyntaxError, ValueError) as exc:
            line = getattr(exc, "lineno", None) or 1
            col = getattr(exc, "offset", None) or 1
            msg = getattr(exc, "msg", None) or str(exc)
            rev.problems.append(Problem(line, col, f"Python syntax error: {msg}", (line, line)))
            return rev
        except (RecursionError, MemoryError) as exc:
            msg = f"Python cannot parse this file: an expression is nested too deeply ({type(exc).__name__})"
            rev.problems.append(Problem(1, 1, msg, (1, 1)))
            return rev
        functions = self._module(tree)
        rev.revision = _str(self.module_env.get("revision"))
        rev.down_revisions = _revs(self.module_env.get("down_revision"))
        rev.is_revision = "revision" in self.module_env or bool(functions)
        rev.phased = any(name in functions for name in PHASE_FUNCTIONS)
        self._shape(rev, tree, functions)
        for name in ALL_FUNCTIONS:
            node = functions.get(name)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                rev.functions[name] = self._function(name, node)
        rev.actions = self.actions
        rev.problems.extend(self.problems)
        rev.unreadable.extend(self.unreadable)
        mark_new_objects(rev)
        return rev

    def _module(self, tree: ast.Module) -> dict[str, ast.stmt]:
        functions: dict[str, ast.stmt] = {}
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module == "alembic":
                for alias in node.names:
                    if alias.name == "op":
                        self.op_names.add(alias.asname or "op")
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if node.name in ALL_FUNCTIONS:
                    functions[node.name] = node
                elif isinstance(node, ast.FunctionDef):
                    self.helpers[node.name] = node
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        if target.id in ALL_FUNCTIONS:
                            functions[target.id] = node
                        self.module_env[target.id] = resolve(node.value, self.module_env)
        return functions

    def _shape(self, rev: Revision, tree: ast.Module, functions: dict[str, ast.stmt]) -> None:
        for name, node in functions.items():
            where = (node.lineno, node.col_offset + 1, (node.lineno, node.lineno))
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.problems.append(
                    Problem(
                        where[0],
                        where[1],
                        f"{name} is assigned, not defined; write 'def {name}() -> None:'.",
                        where[2],
                    )
                )
            elif isinstance(node, ast.AsyncFunctionDef):
                self.problems.append(
                    Problem(
                        where[0],
                        where[1],
                        f"{name}() is async; phase functions must be plain 'def {name}() -> None:'.",
                        where[2],
                    )
                )
            elif _required_args(node):
                args = ", ".join(_required_args(node))
                self.problems.append(
                    Problem(
                        where[0],
                        where[1],
                        f"{name}() takes required arguments ({args}); phase functions are called with none.",
                        where[2],
                    )
                )
        for undo in ("undo_expand", "undo_migrate", "undo_contract"):
            if undo in functions and undo.removeprefix("undo_") not in functions:
                node = functions[undo]
                self.problems.append(
                    Problem(
                        node.lineno,
                        node.col_offset + 1,
                        f"{undo}() is defined but {undo.removeprefix('undo_')}() is not.",
                        (node.lineno, node.lineno),
                    )
                )
        if "revision" in self.module_env and "upgrade" not in functions and not rev.phased:
            self.problems.append(
                Problem(
                    1,
                    1,
                    "The revision defines neither upgrade() nor expand()/migrate()/contract().",
                    (1, 1),
                )
            )

    def _function(self, name: str, node: ast.FunctionDef | ast.AsyncFunctionDef) -> FunctionInfo:
        info = FunctionInfo(
            name=name,
            line=node.lineno,
            col=node.col_offset + 1,
            end_line=node.end_lineno or node.lineno,
            trivial=all(_trivial(s) for s in node.body),
            raises=any(isinstance(s, ast.Raise) for s in node.body),
        )
        self.function = info
        self._body(node.body, _Scope(phase=name, env=dict(self.module_env)))
        self.function = None
        return info

    def _body(self, body: list[ast.stmt], scope: _Scope) -> bool:
        """Walk *body*; True when it certainly ends (``return``/``raise``) on the target."""
        for stmt in body:
            if self._stmt(stmt, scope):
                return True
        return False

    def _stmt(self, node: ast.stmt, scope: _Scope) -> bool:
        if isinstance(node, (ast.Return, ast.Raise)):
            if isinstance(node, ast.Return) and node.value is not None:
                self._expr(node.value, scope)
            return True
        if isinstance(node, ast.If):
            test = resolve(node.test, scope.env)
            if isinstance(test, DialectTest):  # a branch for another database never runs
                return self._body(node.body if test.value else node.orelse, scope)
        if isinstance(node, (ast.With, ast.AsyncWith)):
            self._with(node, scope)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            self._assign(node, scope)
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            self._expr(node.iter if not isinstance(node, ast.While) else node.test, scope)
            inner = scope.child(loop=True)
            self._body(node.body, inner)
            self._body(node.orelse, scope)
        elif isinstance(node, ast.If):
            self._expr(node.test, scope)
            self._body(node.body, scope)
            self._body(node.orelse, scope)
        elif isinstance(node, ast.Try):
            for part in (node.body, *(h.body for h in node.handlers), node.orelse, node.finalbody):
                self._body(part, scope)
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self._expr(child, scope)
        return False

    def _with(self, node: ast.With | ast.AsyncWith, scope: _Scope) -> None:
        inner = scope.child()
        for item in node.items:
            expr = item.context_expr
            if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
                attr = expr.func.attr
                if attr == "autocommit_block":
                    inner.autocommit = True
                    continue
                if attr == "batch_alter_table" and self._is_op(expr.func.value):
                    table_node = (
                        expr.args[0]
                        if expr.args
                        else next((k.value for k in expr.keywords if k.arg == "table_name"), None)
                    )
                    table = resolve(table_node, scope.env)
                    if isinstance(item.optional_vars, ast.Name):
                        inner.batch[item.optional_vars.id] = (
                            table if isinstance(table, str) else None
                        )
                        schema = next((k.value for k in expr.keywords if k.arg == "schema"), None)
                        inner.batch_schema[item.optional_vars.id] = resolve(schema, scope.env)
                    continue
            self._expr(expr, scope)
        self._body(node.body, inner)

    def _assign(self, node: ast.Assign | ast.AnnAssign, scope: _Scope) -> None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        value = node.value
        if value is None:
            return
        if (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Attribute)
            and value.func.attr == "get_bind"
        ):
            scope.conns.update(t.id for t in targets if isinstance(t, ast.Name))
            return
        self._expr(value, scope)
        resolved = resolve(value, scope.env)
        for target in targets:
            if isinstance(target, ast.Name):
                scope.env[target.id] = resolved

    def _is_op(self, node: ast.expr) -> bool:
        return (isinstance(node, ast.Name) and node.id in self.op_names) or dotted(
            node
        ) == "alembic.op"

    def _expr(self, node: ast.expr, scope: _Scope) -> None:
        """Find the calls in *node*, in source order (iteratively: expressions can be deep)."""
        stack = [node]
        while stack:
            item = stack.pop()
            if isinstance(item, ast.Call) and self._call(item, scope):
                continue
            if isinstance(item, (ast.Lambda, ast.Constant, ast.Name)):
                continue
            children: list[ast.expr] = []
            for child in ast.iter_child_nodes(item):
                if isinstance(child, ast.expr):
                    children.append(child)
                elif isinstance(child, ast.comprehension):
                    children.append(child.iter)
            stack.extend(reversed(children))

    def _call(self, node: ast.Call, scope: _Scope) -> bool:
        func = node.func
        if isinstance(func, ast.Name) and func.id in self.helpers:
            if func.id not in self.inlining and len(self.inlining) < _MAX_INLINE_DEPTH:
                self.inlining.append(func.id)
                self._body(self.helpers[func.id].body, scope.child())
                self.inlining.pop()
            return False
        if not isinstance(func, ast.Attribute):
            return False
        recv, name = func.value, func.attr
        if self._is_op(recv):
            self._op(name, f"op.{name}", node, scope, None)
            return True
        if isinstance(recv, ast.Name) and recv.id in scope.batch:
            batch = (scope.batch[recv.id] or "?", scope.batch_schema.get(recv.id))
            self._op(name, f"batch_op.{name}", node, scope, batch)
            return True
        is_conn = (isinstance(recv, ast.Name) and recv.id in scope.conns) or (
            isinstance(recv, ast.Call)
            and isinstance(recv.func, ast.Attribute)
            and recv.func.attr == "get_bind"
        )
        if is_conn and name in _EXECUTE:
            self._op("execute", f"connection.{name}", node, scope, None)
            return True
        if is_conn and name in ("commit", "rollback"):
            # ends the transaction: the locks taken so far are released
            end = Action(Kind.TRANSACTION, 0, 0, f"connection.{name}()", name="commit")
            self._add([end], node, scope)
            return True
        return False

    def _op(
        self,
        name: str,
        origin: str,
        node: ast.Call,
        scope: _Scope,
        batch: tuple[str, Value] | None,
    ) -> None:
        if name == "execute":
            self._execute(origin, node, scope)
            return
        table, schema = batch if batch is not None else (None, None)
        self._add(ops.build(name, origin, node, scope.env, table, schema), node, scope)

    def _add(
        self, actions: list[Action], node: ast.Call, scope: _Scope, positioned: bool = False
    ) -> None:
        span = (node.lineno, node.end_lineno or node.lineno)
        for action in actions:
            if not positioned:
                action.line, action.col = node.lineno, node.col_offset + 1
            action.span = span
            action.phase = scope.phase
            action.autocommit = action.autocommit or scope.autocommit
            if scope.loop:
                action.flags = action.flags | {m.IN_LOOP}
            action.order = len(self.actions)
            self.actions.append(action)
            if self.function is not None:
                self.function.actions.append(action)

    def _execute(self, origin: str, node: ast.Call, scope: _Scope) -> None:
        arg = (
            node.args[0]
            if node.args
            else next((k.value for k in node.keywords if k.arg in ("sqltext", "statement")), None)
        )
        value = resolve(arg, scope.env)
        sql = (
            value
            if isinstance(value, str)
            else value.sql
            if isinstance(value, (Text, FString))
            else None
        )
        if sql is None:
            self._add([_core_dml(arg, value, origin)], node, scope)
            return
        statements, errors = parse(sql, self.target, params=True)
        str_node = _string_node(arg)
        multiline = str_node is not None and (str_node.end_lineno or 0) > str_node.lineno
        if errors and not isinstance(value, FString):
            offset, message = errors[0]
            line = (
                str_node.lineno + line_col(sql, offset)[0] - 1
                if multiline and str_node
                else node.lineno
            )
            self.unreadable.append(
                Problem(
                    line,
                    node.col_offset + 1,
                    f"could not read the SQL in {origin}() as {self.target.dialect} ({short(message)}); "
                    "it was not checked",
                    (node.lineno, node.end_lineno or node.lineno),
                )
            )
        holes = dict(value.holes) if isinstance(value, FString) else {}
        for stmt in statements:
            rel_line, rel_col = line_col(sql, stmt.offset)
            for action in stmt.actions:
                if action.table == PLACEHOLDER:
                    action.table = None  # a part that is not known: the table is not known
                if holes:
                    _name_holes(action, holes)
                if multiline and str_node is not None and rel_line > 1:
                    action.line, action.col = str_node.lineno + rel_line - 1, rel_col
                else:
                    action.line, action.col = node.lineno, node.col_offset + 1
                action.origin = f"{action.origin} in {origin}()"
            self._add(stmt.actions, node, scope, positioned=True)


def _name_holes(action: Action, holes: dict[str, str]) -> None:
    """Names built in an f-string read as the user wrote them: ``{table}`` or
    ``ix_{table}_v`` in messages, ``table`` or ``f"ix_{table}_v"`` in help code."""
    order = sorted(holes, key=len, reverse=True)

    def spelled(value: str) -> str:
        for placeholder in order:
            value = value.replace(placeholder, "{" + holes[placeholder] + "}")
        return value

    for field in ("table", "name", "column"):
        value = getattr(action, field)
        if isinstance(value, str) and "zdm_param_" in value:
            text = spelled(value)
            setattr(action, field, text)
            whole = value in holes
            action.code = {**action.code, field: holes[value] if whole else "f" + json.dumps(text)}
    if any("zdm_param_" in c for c in action.columns):
        action.columns = tuple(spelled(c) for c in action.columns)


def _core_dml(arg: ast.expr | None, value: Value, origin: str) -> Action:
    """``op.execute(users.update().values(...))`` and other SQLAlchemy Core statements."""
    node = arg
    methods: list[str] = []
    table: str | None = None
    while isinstance(node, ast.Call) and isinstance(node.func, (ast.Attribute, ast.Name)):
        func = node.func
        methods.append(func.attr if isinstance(func, ast.Attribute) else func.id)
        if (
            methods[-1] in ("update", "delete", "insert")
            and node.args
            and isinstance(node.args[0], ast.Name)
        ):
            table = node.args[0].id
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and methods[-1] in ("update", "delete", "insert")
        ):
            table = table or func.value.id
        node = func.value if isinstance(func, ast.Attribute) else None
    kind = Kind.UNKNOWN_SQL
    if "update" in methods or "delete" in methods or "from_select" in methods:
        kind = Kind.DATA_CHANGE
    elif "insert" in methods:
        kind = Kind.INSERT_VALUES
    verb = next((v.upper() for v in ("update", "delete", "insert") if v in methods), "statement")
    return Action(kind=kind, line=0, col=0, origin=f"{verb} in {origin}()", table=table)


def _string_node(arg: ast.expr | None) -> ast.expr | None:
    """The string literal an ``execute`` argument starts from (through ``text(…).bindparams(…)``)."""
    for _ in range(8):
        if isinstance(arg, (ast.Constant, ast.JoinedStr)):
            return arg
        if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) and not arg.args:
            arg = arg.func.value
        elif (
            isinstance(arg, ast.Call)
            and isinstance(arg.func, ast.Attribute)
            and arg.func.attr
            in (
                "bindparams",
                "columns",
            )
        ):
            arg = arg.func.value
        elif isinstance(arg, ast.Call) and arg.args:
            arg = arg.args[0]
        else:
            return None
    return None


def _required_args(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    args = node.args
    positional = args.posonlyargs + args.args
    required = [a.arg for a in positional[: len(positional) - len(args.defaults)]]
    required += [
        a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=False) if d is None
    ]
    return required


def _trivial(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Pass) or (
        isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
    )


def _str(value: Value) -> str | None:
    return value if isinstance(value, str) else None


def _revs(value: Value) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, tuple):
        return tuple(v for v in value if isinstance(v, str))
    return ()


__all__ = ["UNKNOWN", "PythonExtractor"]
