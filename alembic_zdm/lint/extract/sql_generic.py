"""Classify MySQL, MariaDB and SQLite statements with sqlglot.

The script is split on the tokenizer's semicolons (so ``';'`` inside strings is
safe), then each statement is parsed on its own: one bad statement does not hide
the others. Statements sqlglot keeps as opaque ``Command`` nodes (``CREATE
FULLTEXT INDEX``, ``ALTER TABLE … CONVERT TO CHARACTER SET``) are classified by
their leading keywords.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from .. import model as m
from ..model import Action, ColumnSpec, DefaultSpec, Kind, TypeSpec
from .sql import SqlStatement, not_null_condition
from .types import VOLATILE_FUNCTIONS, normalise_type

_WORD = re.compile(r"[A-Za-z_`][\w`.]*")


def parse(sql: str, dialect: str) -> tuple[list[SqlStatement], list[tuple[int, str]]]:
    """Statements and parse errors of *sql* in *dialect* (``mysql`` or ``sqlite``)."""
    import sqlglot
    from sqlglot.errors import SqlglotError

    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    statements: list[SqlStatement] = []
    errors: list[tuple[int, str]] = []
    try:
        pieces = _split(sql, dialect)
    except SqlglotError as exc:
        return [], [(0, str(exc).splitlines()[0])]
    for start, text in pieces:
        try:
            tree = sqlglot.parse_one(text, read=dialect)
        except SqlglotError as exc:
            errors.append((start, str(exc).splitlines()[0]))
            continue
        statements.append(SqlStatement(start, _classify(tree, text), type(tree).__name__))
    return statements, errors


def _split(sql: str, dialect: str) -> list[tuple[int, str]]:
    from sqlglot import TokenType
    from sqlglot.dialects.dialect import Dialect

    tokens = Dialect.get_or_raise(dialect).tokenize(sql)
    pieces: list[tuple[int, str]] = []
    start: int | None = None
    end = 0
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            if start is not None:
                pieces.append((start, sql[start : end + 1]))
            start = None
            continue
        if start is None:
            start = token.start
        end = token.end
    if start is not None:
        pieces.append((start, sql[start : end + 1]))
    return pieces


def _act(kind: Kind, origin: str, **fields: Any) -> Action:
    return Action(kind=kind, line=0, col=0, origin=origin, via_sql=True, **fields)


def _name(node: Any) -> str | None:
    return node.name if node is not None and getattr(node, "name", None) else None


def _classify(tree: Any, text: str) -> list[Action]:
    from sqlglot import exp

    if isinstance(tree, exp.Alter):
        return _alter(tree)
    if isinstance(tree, exp.Create):
        return _create(tree)
    if isinstance(tree, exp.Drop):
        kind = Kind.DROP_INDEX if tree.args.get("kind") == "INDEX" else Kind.DROP_TABLE
        if tree.args.get("kind") in ("SCHEMA", "DATABASE"):
            return _drop_schema(tree)
        if tree.args.get("kind") not in ("INDEX", "TABLE"):
            return [_act(Kind.OTHER_DDL, "DROP")]
        flags = frozenset({m.IF_EXISTS}) if tree.args.get("exists") else frozenset()
        target = _name(tree.this)
        on = tree.args.get("cluster")
        table = _name(on.this) if kind is Kind.DROP_INDEX and on is not None else target
        name = target if kind is Kind.DROP_INDEX else None
        return [_act(kind, f"DROP {tree.args.get('kind')}", table=table, name=name, flags=flags)]
    if isinstance(tree, (exp.Update, exp.Delete)):
        verb = "UPDATE" if isinstance(tree, exp.Update) else "DELETE"
        return [_act(Kind.DATA_CHANGE, verb, table=_name(tree.this))]
    if isinstance(tree, exp.Insert):
        is_select = tree.expression is not None and not isinstance(tree.expression, exp.Values)
        kind = Kind.DATA_CHANGE if is_select else Kind.INSERT_VALUES
        table = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
        return [_act(kind, "INSERT … SELECT" if is_select else "INSERT", table=_name(table))]
    if isinstance(tree, exp.Set):
        return _set(tree)
    if isinstance(tree, (exp.Transaction, exp.Commit, exp.Rollback)):
        name = "begin" if isinstance(tree, exp.Transaction) else "commit"
        return [_act(Kind.TRANSACTION, name.upper(), name=name)]
    if isinstance(tree, exp.Command):
        return _command(text)
    return []


def _drop_schema(tree: Any) -> list[Action]:
    kind = str(tree.args["kind"])
    names = [t.name or t.db for t in tree.args.get("tables") or ()] or [None]
    options = {"statement": f"drop_{kind.lower()}"}
    return [_act(Kind.OTHER_DDL, f"DROP {kind}", name=n, options=options) for n in names]


def _set(tree: Any) -> list[Action]:
    text = tree.sql().lower()
    for setting in ("lock_wait_timeout", "innodb_lock_wait_timeout", "max_execution_time"):
        if setting in text:
            return [_act(Kind.SET_TIMEOUT, "SET", name=setting)]
    return []


def _command(text: str) -> list[Action]:
    words = [w.strip("`").lower() for w in _WORD.findall(text)[:8]]
    if words[:2] in (["start", "transaction"], ["begin"]) or words[:1] == ["begin"]:
        return [_act(Kind.TRANSACTION, "BEGIN", name="begin")]
    if (
        words[:1] == ["create"]
        and len(words) > 3
        and words[2] == "index"
        and words[1] in ("fulltext", "spatial")
    ):
        flag = m.FULLTEXT if words[1] == "fulltext" else m.SPATIAL
        table = words[words.index("on") + 1] if "on" in words else None
        return [
            _act(
                Kind.CREATE_INDEX,
                f"CREATE {words[1].upper()} INDEX",
                name=words[3],
                table=table,
                flags=frozenset({flag}),
            )
        ]
    if words[:2] == ["alter", "table"] and len(words) > 3:
        table = words[2]
        if "convert" in words or "charset" in words or "character" in words:
            return [
                _act(
                    Kind.TABLE_OPTION,
                    "ALTER TABLE … CONVERT TO CHARACTER SET",
                    table=table,
                    options={"convert": "1"},
                )
            ]
        return [_act(Kind.OTHER_DDL, "ALTER TABLE", table=table)]
    if words[:2] == ["rename", "table"] and len(words) > 4:
        return [_act(Kind.RENAME_TABLE, "RENAME TABLE", table=words[2], name=words[4])]
    return []


def _type(node: Any) -> TypeSpec | None:
    from sqlglot import exp

    if not isinstance(node, exp.DataType):
        return None
    name = node.this.name.lower() if hasattr(node.this, "name") else str(node.this).lower()
    args: list[int | str] = []
    for param in node.expressions:
        literal = param.this if isinstance(param, exp.DataTypeParam) else param
        if isinstance(literal, exp.Literal):
            args.append(literal.this if literal.is_string else int(literal.this))
    return normalise_type(name, tuple(args), raw=node.sql(dialect="mysql"))


def _column(coldef: Any) -> ColumnSpec:
    from sqlglot import exp

    nullable: bool | None = None
    default: DefaultSpec | None = None
    pk = unique = generated = False
    generated_kind = ""
    for con in coldef.args.get("constraints") or ():
        kind = con.args.get("kind")
        if isinstance(kind, exp.NotNullColumnConstraint):
            nullable = bool(kind.args.get("allow_null"))
        elif isinstance(kind, exp.DefaultColumnConstraint):
            expr = kind.this
            funcs = {f.sql_name().lower() for f in expr.find_all(exp.Func)} if expr else set()
            funcs |= {a.name.lower() for a in expr.find_all(exp.Anonymous)} if expr else set()
            is_expr = not isinstance(expr, (exp.Literal, exp.Null, exp.Boolean, exp.Neg))
            default = DefaultSpec(
                expr.sql() if expr else "", bool(funcs & VOLATILE_FUNCTIONS), is_expr
            )
        elif isinstance(kind, exp.PrimaryKeyColumnConstraint):
            pk = True
        elif isinstance(kind, exp.UniqueColumnConstraint):
            unique = True
        elif isinstance(kind, exp.AutoIncrementColumnConstraint):
            generated, generated_kind = True, "auto_increment"
        elif isinstance(kind, exp.GeneratedAsIdentityColumnConstraint):
            generated, generated_kind = True, "identity"
        elif isinstance(kind, exp.ComputedColumnConstraint):
            stored = bool(kind.args.get("persisted"))
            generated, generated_kind = True, "stored" if stored else "virtual"
    return ColumnSpec(
        name=coldef.name,
        type=_type(coldef.args.get("kind")),
        nullable=nullable,
        primary_key=pk,
        server_default=default,
        unique=unique,
        generated=generated,
        generated_kind=generated_kind,
    )


def _create(tree: Any) -> list[Action]:
    from sqlglot import exp

    kind = str(tree.args.get("kind") or "").upper()
    if kind == "INDEX":
        index = tree.this
        table = index.args.get("table")
        params = index.args.get("params")
        cols = tuple(c.name for c in params.args.get("columns") or ()) if params else ()
        flags = frozenset(
            f
            for f, on in (
                (m.UNIQUE, tree.args.get("unique")),
                (m.IF_NOT_EXISTS, tree.args.get("exists")),
            )
            if on
        )
        return [
            _act(
                Kind.CREATE_INDEX,
                "CREATE INDEX",
                table=_name(table),
                name=_name(index),
                columns=cols,
                flags=flags,
            )
        ]
    if kind == "TABLE":
        table = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
        return [_act(Kind.CREATE_TABLE, "CREATE TABLE", table=_name(table))]
    return [_act(Kind.OTHER_DDL, f"CREATE {kind}")]


def _alter(tree: Any) -> list[Action]:
    from sqlglot import exp

    table = _name(tree.this)
    options = {}
    for opt in tree.args.get("options") or ():
        if isinstance(opt, exp.AlgorithmProperty):
            options["algorithm"] = opt.this.name.upper()
        elif isinstance(opt, exp.LockProperty):
            options["lock"] = opt.this.name.upper()
    actions = [_alter_action(table, action) for action in tree.args.get("actions") or ()]
    for action in actions:
        action.options.update(options)
    if not actions:
        actions = [_act(Kind.OTHER_DDL, "ALTER TABLE", table=table, options=options)]
    return actions


def _alter_action(table: str | None, node: Any) -> Action:
    from sqlglot import exp

    if isinstance(node, exp.ColumnDef):
        col = _column(node)
        return _act(Kind.ADD_COLUMN, "ADD COLUMN", table=table, column=col.name, coldef=col)
    if isinstance(node, exp.ModifyColumn) or (
        isinstance(node, exp.AlterColumn) and node.args.get("dtype")
    ):
        coldef = node.this if isinstance(node, exp.ModifyColumn) else None
        new = (
            _type(coldef.args.get("kind")) if coldef is not None else _type(node.args.get("dtype"))
        )
        name = coldef.name if coldef is not None else node.name
        return _act(Kind.ALTER_TYPE, "MODIFY COLUMN", table=table, column=name, new_type=new)
    if isinstance(node, exp.AlterColumn):
        if node.args.get("allow_null") is False:
            return _act(
                Kind.SET_NOT_NULL, "ALTER COLUMN … SET NOT NULL", table=table, column=node.name
            )
        if (
            node.args.get("drop")
            and node.args.get("allow_null") is None
            and "NULL" in node.sql().upper()
        ):
            return _act(
                Kind.DROP_NOT_NULL, "ALTER COLUMN … DROP NOT NULL", table=table, column=node.name
            )
        return _act(Kind.SET_DEFAULT, "ALTER COLUMN", table=table, column=node.name)
    if isinstance(node, exp.RenameColumn):
        return _act(
            Kind.RENAME_COLUMN,
            "RENAME COLUMN",
            table=table,
            column=node.this.name,
            name=node.args["to"].name,
        )
    if isinstance(node, exp.AlterRename):
        return _act(Kind.RENAME_TABLE, "RENAME TO", table=table, name=_name(node.this))
    if isinstance(node, exp.DropPrimaryKey):
        return _act(Kind.DROP_CONSTRAINT, "DROP PRIMARY KEY", table=table, constraint="primary_key")
    if isinstance(node, exp.Drop):
        kind = str(node.args.get("kind") or "").upper()
        name = _name(node.this) or (node.expressions[0].name if node.expressions else None)
        if kind == "COLUMN":
            return _act(Kind.DROP_COLUMN, "DROP COLUMN", table=table, column=name)
        if kind == "INDEX":
            return _act(Kind.DROP_INDEX, "DROP INDEX", table=table, name=name)
        if kind in ("FOREIGN KEY", "CHECK"):
            tables = node.args.get("tables") or ()
            name = name or (_name(tables[0]) if tables else None)
            constraint = "foreign_key" if kind == "FOREIGN KEY" else "check"
            return _act(
                Kind.DROP_CONSTRAINT, f"DROP {kind}", table=table, name=name, constraint=constraint
            )
        return _act(Kind.DROP_CONSTRAINT, f"DROP {kind}", table=table, name=name)
    if isinstance(node, exp.AddConstraint):
        return _add_constraint(table, node)
    return _act(Kind.OTHER_DDL, "ALTER TABLE", table=table)


def _add_constraint(table: str | None, node: Any) -> Action:
    from sqlglot import exp

    inner = node.expressions[0] if node.expressions else None
    name = None
    if isinstance(inner, exp.Constraint):
        name = inner.name
        inner = inner.expressions[0] if inner.expressions else None
    if isinstance(inner, exp.IndexColumnConstraint):
        kind = str(inner.args.get("kind") or "").lower()
        flag = {"fulltext": m.FULLTEXT, "spatial": m.SPATIAL}.get(kind)
        return _act(
            Kind.CREATE_INDEX,
            "ADD INDEX",
            table=table,
            name=_name(inner.this),
            flags=frozenset({flag} if flag else ()),
        )
    kinds = {
        exp.CheckColumnConstraint: "check",
        exp.ForeignKey: "foreign_key",
        exp.UniqueColumnConstraint: "unique",
        exp.PrimaryKey: "primary_key",
    }
    kind = next((v for k, v in kinds.items() if isinstance(inner, k)), "other")
    condition = (
        not_null_condition(inner.this.sql()) if kind == "check" and inner is not None else None
    )
    return _act(
        Kind.ADD_CONSTRAINT,
        f"ADD {kind.replace('_', ' ').upper()}",
        table=table,
        name=name,
        constraint=kind,
        condition=condition,
    )
