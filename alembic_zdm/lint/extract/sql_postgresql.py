"""Classify PostgreSQL statements with pglast (PostgreSQL's own parser).

pglast is imported only when a revision really contains SQL text. The parse tree
is taken as libpg_query's JSON (``parse_sql_json``) and read through :class:`JNode`:
building pglast's Python node objects costs several times more than parsing, and
the classification reads only the top of each statement. Clause texts (a CHECK
condition, a DEFAULT, an UPDATE's SET and WHERE) come from the statement's own
text (:mod:`.sql_text`), never from printing the tree.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from .. import model as m
from ..model import Action, ColumnSpec, DefaultSpec, Kind, TypeSpec
from .sql import SqlStatement, not_null_condition
from .sql_text import check_condition, default_expression, update_clauses, where_clause
from .types import VOLATILE_FUNCTIONS, normalise_type

_SOURCE = [""]
"""The text being classified; node locations point into it (see :mod:`.sql_text`)."""


def parse(sql: str) -> tuple[list[SqlStatement], list[tuple[int, str]]]:
    """Statements of *sql* with their actions, and parse errors as ``(offset, message)``."""
    from pglast import parser

    try:
        parsed = _parse_all(sql, parser)
        _restore_long_identifiers(sql, parsed)
        return parsed, []
    except parser.ParseError as exc:
        first_error = str(exc.args[0]) if exc.args else str(exc)
    statements: list[SqlStatement] = []
    errors: list[tuple[int, str]] = []
    try:
        slices = parser.split(sql, with_parser=False, only_slices=True)
    except parser.ParseError:
        return [], [(0, first_error)]
    for piece in slices:
        try:
            statements.extend(_parse_all(sql[piece], parser, piece.start))
        except parser.ParseError as exc:
            errors.append((piece.start, str(exc.args[0]) if exc.args else str(exc)))
    _restore_long_identifiers(sql, statements)
    return statements, errors or [(0, first_error)]


def _parse_all(text: str, parser: Any, base: int = 0) -> list[SqlStatement]:
    """Classify every statement of *text* (offsets shifted by *base*)."""
    data = json.loads(parser.parse_sql_json(text))
    plain = text.isascii()
    raw = b"" if plain else text.encode("utf-8")
    # libpg_query's locations count bytes: a Latin-1 view of the UTF-8 bytes has one
    # character per byte, so the clause readers can use them as they are
    _SOURCE[0] = text if plain else raw.decode("latin-1")
    _ASCII[0] = plain
    out = []
    for item in data.get("stmts", ()):
        location = int(item.get("stmt_location", 0))
        if not plain:
            location = len(raw[:location].decode("utf-8", "ignore"))
        out.append(_statement(base + location, _wrap(item["stmt"])))
    return out


class JNode:
    """A node of libpg_query's JSON tree with pglast's attribute names (``def_`` for
    ``def``); a missing attribute is ``None`` (the JSON leaves out false and zero)."""

    __slots__ = ("_tag", "_d")

    def __init__(self, tag: str, data: dict[str, Any]) -> None:
        self._tag = tag
        self._d = data

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        key = name[:-1] if name.endswith("_") else name
        value = self._d.get(key)
        if value is None:
            if self._tag == "A_Const" and name == "val":
                for field, tag in _CONST_FIELDS:
                    if field in self._d:
                        return JNode(tag, self._d[field])
            if self._tag == "Integer" and name == "ival":
                return 0
            return None
        return _wrap(value)


_CONST_FIELDS = (
    ("ival", "Integer"),
    ("fval", "Float"),
    ("sval", "String"),
    ("boolval", "Boolean"),
    ("bsval", "BitString"),
)


def _wrap(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1:
            tag, inner = next(iter(value.items()))
            if tag[:1].isupper() and isinstance(inner, dict):
                if tag == "List":
                    return [_wrap(v) for v in inner.get("items", ())]
                return JNode(tag, inner)
        return JNode("", value)
    if isinstance(value, list):
        return [_wrap(v) for v in value]
    return value


def _kind(node: Any) -> str:
    return node._tag if isinstance(node, JNode) else type(node).__name__


def _written(text: str | None) -> str | None:
    """A clause read from the source view, back as the user's text."""
    if text is None or _ASCII[0]:
        return text
    return text.encode("latin-1").decode("utf-8", "replace")


_ASCII = [True]


NAMEDATALEN = 64


def _restore_long_identifiers(sql: str, statements: list[SqlStatement]) -> None:
    """Put back identifiers the parser truncated to 63 bytes, as the user wrote them."""
    from pglast import parser

    truncated = [
        value
        for stmt in statements
        for action in stmt.actions
        for value in (
            action.table,
            action.name,
            action.column,
            action.coldef.name if action.coldef else None,
            *(c.name for c in action.coldefs),
        )
        if value and len(value.encode("utf-8")) >= NAMEDATALEN - 4
    ]
    if not truncated:
        return  # a cut name is 63 bytes, less a split multibyte character
    full: dict[str, str] = {}
    try:
        tokens = parser.scan(sql)
    except parser.ParseError:
        return
    for token in tokens:
        if token.name != "IDENT":
            continue
        text = sql[token.start : token.end + 1].strip('"')  # character offsets
        data = text.encode("utf-8")
        if len(data) >= NAMEDATALEN:
            full[data[: NAMEDATALEN - 1].decode("utf-8", "ignore")] = text
    if not full:
        return
    for stmt in statements:
        for action in stmt.actions:
            for attr in ("table", "name", "column"):
                value = getattr(action, attr)
                if value in full:
                    setattr(action, attr, full[value])
            if action.coldef is not None and action.coldef.name in full:
                action.coldef = dataclasses.replace(action.coldef, name=full[action.coldef.name])
            action.coldefs = tuple(
                dataclasses.replace(c, name=full[c.name]) if c.name in full else c
                for c in action.coldefs
            )


def _statement(offset: int, stmt: Any) -> SqlStatement:
    handler = _HANDLERS.get(_kind(stmt))
    actions = handler(stmt) if handler else []
    schema = _schema_of(stmt)
    if schema:
        for action in actions:
            if action.schema is None:
                action.schema = schema
    return SqlStatement(offset, actions, _kind(stmt))


def _schema_of(stmt: Any) -> str | None:
    """The schema the statement names for its table (``events.principals``)."""
    relation = getattr(stmt, "relation", None)
    schema = getattr(relation, "schemaname", None) if relation is not None else None
    return schema or None


def _names(items: Any) -> list[str]:
    return [getattr(i, "sval", "") for i in items or ()]


def _rel(node: Any) -> str | None:
    relation = getattr(node, "relation", None)
    return getattr(relation, "relname", None) if relation is not None else None


def _act(kind: Kind, origin: str, **fields: Any) -> Action:
    return Action(kind=kind, line=0, col=0, origin=origin, via_sql=True, **fields)


def _flags(*pairs: tuple[str, Any]) -> frozenset[str]:
    return frozenset(flag for flag, on in pairs if on)


def _index(stmt: Any) -> list[Action]:
    cols = tuple(p.name for p in stmt.indexParams or () if getattr(p, "name", None))
    flags = _flags(
        (m.CONCURRENTLY, stmt.concurrent),
        (m.UNIQUE, stmt.unique),
        (m.IF_NOT_EXISTS, stmt.if_not_exists),
    )
    origin = "CREATE UNIQUE INDEX" if stmt.unique else "CREATE INDEX"
    return [
        _act(
            Kind.CREATE_INDEX,
            origin,
            table=_rel(stmt),
            name=stmt.idxname,
            columns=cols,
            flags=flags,
        )
    ]


def _drop(stmt: Any) -> list[Action]:

    kinds = {"OBJECT_INDEX": Kind.DROP_INDEX, "OBJECT_TABLE": Kind.DROP_TABLE}
    kind = kinds.get(stmt.removeType)
    if kind is None:
        if stmt.removeType == "OBJECT_SCHEMA":
            return [
                _act(
                    Kind.OTHER_DDL,
                    "DROP",
                    name=getattr(obj, "sval", None),
                    options=_drop_schema(stmt),
                )
                for obj in stmt.objects or ()
            ]
        return [_act(Kind.OTHER_DDL, "DROP")]
    flags = _flags((m.CONCURRENTLY, stmt.concurrent), (m.IF_EXISTS, stmt.missing_ok))
    result = []
    for obj in stmt.objects or ():
        path = _names(obj) if isinstance(obj, (list, tuple)) else [getattr(obj, "sval", None)]
        name, schema = path[-1], (path[-2] if len(path) > 1 else None)
        if kind is Kind.DROP_INDEX:
            result.append(_act(kind, "DROP INDEX", name=name, schema=schema, flags=flags))
        else:
            result.append(_act(kind, "DROP TABLE", table=name, schema=schema, flags=flags))
    return result


def _drop_schema(stmt: Any) -> dict[str, str]:

    cascade = "1" if stmt.behavior == "DROP_CASCADE" else ""
    return {"statement": "drop_schema", "cascade": cascade}


def _drop_database(stmt: Any) -> list[Action]:
    return [
        _act(
            Kind.OTHER_DDL,
            "DROP DATABASE",
            name=stmt.dbname,
            options={"statement": "drop_database"},
        )
    ]


def type_of(type_name: Any) -> TypeSpec | None:
    """pglast ``TypeName`` → :class:`TypeSpec`."""
    if type_name is None:
        return None
    names = _names(type_name.names)
    name = names[-1] if names else "?"
    args: list[int | str] = []
    for mod in type_name.typmods or ():
        ival = getattr(getattr(mod, "val", None), "ival", None)
        if isinstance(ival, int):
            args.append(ival)
    raw = name + (f"({', '.join(map(str, args))})" if args else "")
    if type_name.arrayBounds:
        return TypeSpec("array", (), raw + "[]")
    return normalise_type(name, tuple(args), raw=raw)


def _functions(node: Any, found: set[str]) -> None:
    """Names of the functions called anywhere under *node*."""
    stack: list[Any] = [{node._tag: node._d} if isinstance(node, JNode) else node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            call = item.get("FuncCall")
            if isinstance(call, dict):
                names = [n.get("String", {}).get("sval", "") for n in call.get("funcname", ())]
                found.update(n.lower() for n in names[-1:])
            stack.extend(v for v in item.values() if isinstance(v, (dict, list)))


def _deparse(node: Any) -> str:
    """Text for a clause the readers of :mod:`.sql_text` could not delimit: the node's own
    text from its location to the end of the statement, at most one line."""
    location = getattr(node, "location", None)
    text = _SOURCE[0]
    if not isinstance(location, int) or location < 0:
        return "?"
    piece = text[location:].split(";", 1)[0].splitlines()[0] if text[location:] else ""
    return _written(piece.strip()) or "?"


def default_of(expr: Any, location: int | None = None) -> DefaultSpec:
    """A DEFAULT expression → :class:`DefaultSpec` (its text as written when *location*,
    the ``DEFAULT`` keyword's offset, is known)."""
    found: set[str] = set()
    _functions(expr, found)
    written = _written(default_expression(_SOURCE[0], location)) if location is not None else None
    text = written if written is not None else _deparse(expr)
    constant = _kind(expr) in ("A_Const", "TypeCast") and not found
    return DefaultSpec(text, volatile=bool(found & VOLATILE_FUNCTIONS), expression=not constant)


def column_of(coldef: Any) -> ColumnSpec:
    """pglast ``ColumnDef`` → :class:`ColumnSpec`."""

    nullable: bool | None = None
    default: DefaultSpec | None = None
    pk = unique = generated = False
    generated_kind = ""
    fk: str | None = None
    for con in coldef.constraints or ():
        ct = con.contype
        if ct == "CONSTR_NOTNULL":
            nullable = False
        elif ct == "CONSTR_NULL":
            nullable = True
        elif ct == "CONSTR_DEFAULT":
            default = default_of(con.raw_expr, con.location)
        elif ct == "CONSTR_PRIMARY":
            pk = True
        elif ct == "CONSTR_UNIQUE":
            unique = True
        elif ct == "CONSTR_FOREIGN":
            fk = getattr(con.pktable, "relname", "?")
        elif ct == "CONSTR_IDENTITY":
            generated, generated_kind = True, "identity"
        elif ct == "CONSTR_GENERATED":
            virtual = getattr(con, "generated_kind", "") == "v"
            generated, generated_kind = True, "virtual" if virtual else "stored"
    col_type = type_of(coldef.typeName)
    if col_type is not None and col_type.name in ("serial", "bigserial"):
        generated, generated_kind = True, "serial"
    return ColumnSpec(
        name=coldef.colname,
        type=col_type,
        nullable=nullable,
        primary_key=pk,
        server_default=default,
        unique=unique,
        foreign_key=fk,
        generated=generated,
        generated_kind=generated_kind,
    )


def _constraint(table: str | None, con: Any) -> Action:

    kinds = {
        "CONSTR_CHECK": "check",
        "CONSTR_FOREIGN": "foreign_key",
        "CONSTR_UNIQUE": "unique",
        "CONSTR_PRIMARY": "primary_key",
        "CONSTR_EXCLUSION": "exclude",
    }
    kind = kinds.get(con.contype, "other")
    condition = None
    if kind == "check" and con.raw_expr is not None:
        text = _written(check_condition(_SOURCE[0], con.location or 0))
        condition = not_null_condition(text if text is not None else _deparse(con.raw_expr))
    columns = tuple(_names(con.keys) or _names(con.fk_attrs))
    flags = _flags((m.NOT_VALID, con.skip_validation), (m.USING_INDEX, con.indexname))
    options: dict[str, str] = {}
    if con.pktable:
        options["references"] = getattr(con.pktable, "relname", "")
        if getattr(con.pktable, "schemaname", None):
            options["referent_schema"] = con.pktable.schemaname
        if con.pk_attrs:
            options["remote"] = json.dumps(_names(con.pk_attrs))
    return _act(
        Kind.ADD_CONSTRAINT,
        f"ADD CONSTRAINT {kind.replace('_', ' ').upper()}",
        table=table,
        name=con.conname,
        constraint=kind,
        columns=columns,
        condition=condition,
        flags=flags,
        options=options,
    )


def _alter_table(stmt: Any) -> list[Action]:

    table = _rel(stmt)
    if stmt.objtype != "OBJECT_TABLE":
        return [_act(Kind.OTHER_DDL, "ALTER", table=None)]
    return [_alter_cmd(table, cmd) for cmd in stmt.cmds or ()]


def _alter_cmd(table: str | None, cmd: Any) -> Action:

    sub = cmd.subtype
    if sub == "AT_AddColumn":
        coldef = column_of(cmd.def_)
        flags = _flags((m.IF_NOT_EXISTS, cmd.missing_ok))
        return _act(
            Kind.ADD_COLUMN,
            "ADD COLUMN",
            table=table,
            column=coldef.name,
            coldef=coldef,
            flags=flags,
        )
    if sub == "AT_DropColumn":
        flags = _flags((m.IF_EXISTS, cmd.missing_ok))
        return _act(Kind.DROP_COLUMN, "DROP COLUMN", table=table, column=cmd.name, flags=flags)
    if sub == "AT_SetNotNull":
        return _act(Kind.SET_NOT_NULL, "ALTER COLUMN … SET NOT NULL", table=table, column=cmd.name)
    if sub == "AT_DropNotNull":
        return _act(
            Kind.DROP_NOT_NULL, "ALTER COLUMN … DROP NOT NULL", table=table, column=cmd.name
        )
    if sub == "AT_AlterColumnType":
        new = type_of(cmd.def_.typeName)
        return _act(
            Kind.ALTER_TYPE, "ALTER COLUMN … TYPE", table=table, column=cmd.name, new_type=new
        )
    if sub == "AT_ColumnDefault":
        return _act(Kind.SET_DEFAULT, "ALTER COLUMN … SET DEFAULT", table=table, column=cmd.name)
    if sub == "AT_AddConstraint":
        return _constraint(table, cmd.def_)
    if sub == "AT_ValidateConstraint":
        return _act(Kind.VALIDATE_CONSTRAINT, "VALIDATE CONSTRAINT", table=table, name=cmd.name)
    if sub == "AT_DropConstraint":
        flags = _flags((m.IF_EXISTS, cmd.missing_ok))
        return _act(
            Kind.DROP_CONSTRAINT, "DROP CONSTRAINT", table=table, name=cmd.name, flags=flags
        )
    statement = _TABLE_REWRITES.get(sub)
    if statement is not None:
        return _act(
            Kind.OTHER_DDL,
            "ALTER TABLE",
            table=table,
            options={"statement": statement, "value": cmd.name or ""},
        )
    if sub == "AT_DetachPartition":
        options = {
            "statement": "detach_partition",
            "partition": getattr(cmd.def_.name, "relname", "") or "",
            "concurrently": "1" if cmd.def_.concurrent else "",
        }
        return _act(Kind.OTHER_DDL, "ALTER TABLE", table=table, options=options)
    return _act(Kind.OTHER_DDL, "ALTER TABLE", table=table)


_TABLE_REWRITES = {
    "AT_SetLogged": "set_logged",
    "AT_SetUnLogged": "set_unlogged",
    "AT_SetTableSpace": "set_tablespace",
    "AT_SetAccessMethod": "set_access_method",
}
"""ALTER TABLE subcommands that rewrite the table (``options["statement"]``)."""


def _rename(stmt: Any) -> list[Action]:

    table = _rel(stmt)
    if stmt.renameType == "OBJECT_COLUMN":
        return [
            _act(
                Kind.RENAME_COLUMN,
                "RENAME COLUMN",
                table=table,
                column=stmt.subname,
                name=stmt.newname,
            )
        ]
    if stmt.renameType == "OBJECT_TABLE":
        return [_act(Kind.RENAME_TABLE, "RENAME TO", table=table, name=stmt.newname)]
    if stmt.renameType == "OBJECT_SCHEMA":
        options = {"statement": "rename_schema", "new_name": stmt.newname or ""}
        return [_act(Kind.OTHER_DDL, "RENAME", table=table, name=stmt.subname, options=options)]
    if stmt.renameType == "OBJECT_INDEX":
        # ALTER INDEX … RENAME: SHARE UPDATE EXCLUSIVE on the index, no table lock
        options = {"statement": "rename_index", "new_name": stmt.newname or ""}
        return [_act(Kind.OTHER_DDL, "ALTER INDEX … RENAME", name=table, options=options)]
    return [_act(Kind.OTHER_DDL, "RENAME", table=table)]


def _alter_enum(stmt: Any) -> list[Action]:
    name = ".".join(_names(stmt.typeName))
    if stmt.oldVal:
        flags = frozenset({m.ENUM_RENAME_VALUE})
        return [
            _act(
                Kind.ALTER_ENUM,
                "ALTER TYPE … RENAME VALUE",
                name=name,
                flags=flags,
                condition=stmt.newVal,
            )
        ]
    flags = _flags(
        (m.ENUM_ORDERED, stmt.newValNeighbor), (m.IF_NOT_EXISTS, stmt.skipIfNewValExists)
    )
    return [
        _act(
            Kind.ALTER_ENUM, "ALTER TYPE … ADD VALUE", name=name, flags=flags, condition=stmt.newVal
        )
    ]


def _create_enum(stmt: Any) -> list[Action]:
    return [_act(Kind.CREATE_ENUM, "CREATE TYPE … AS ENUM", name=".".join(_names(stmt.typeName)))]


def _set(stmt: Any) -> list[Action]:
    name = (stmt.name or "").lower()
    return [
        _act(Kind.SET_TIMEOUT, "SET", name=name, options={"local": "1" if stmt.is_local else ""})
    ]


def _select(stmt: Any) -> list[Action]:
    found: set[str] = set()
    _functions(stmt, found)
    if "set_config" in found:
        text = json.dumps(stmt._d).lower() if isinstance(stmt, JNode) else ""
        for setting in ("lock_timeout", "statement_timeout"):
            if setting in text:
                return [_act(Kind.SET_TIMEOUT, "SELECT set_config", name=setting)]
    tables = [
        getattr(node, "relname", None)
        for node in stmt.fromClause or ()
        if _kind(node) == "RangeVar"
    ]
    return [_act(Kind.QUERY, "SELECT", table=tables[0] if tables else None)]


# pglast's LockStmt.mode: PostgreSQL's lock mode numbers (lockdefs.h)
_LOCK_MODES = {
    5: "SHARE",
    6: "SHARE ROW EXCLUSIVE",
    7: "EXCLUSIVE",
    8: "ACCESS EXCLUSIVE",
}


def _lock(stmt: Any) -> list[Action]:
    """``LOCK TABLE … IN <mode> MODE``: an action per table, for the modes that block writers."""
    mode = _LOCK_MODES.get(int(stmt.mode))
    if mode is None:
        return []
    return [
        _act(
            Kind.LOCK_TABLE,
            "LOCK TABLE",
            table=rel.relname,
            schema=rel.schemaname or None,
            options={"mode": mode},
        )
        for rel in stmt.relations or ()
    ]


def _data(stmt: Any) -> list[Action]:
    verb = {"UpdateStmt": "UPDATE", "DeleteStmt": "DELETE"}[_kind(stmt)]
    options: dict[str, str] = {}
    location = getattr(stmt.relation, "location", None)
    start = location if isinstance(location, int) else 0
    text = _SOURCE[0] if isinstance(location, int) else ""
    if stmt.whereClause is not None:
        where = _written(where_clause(text, start)) if text else None
        options["where"] = where if where is not None else _deparse(stmt.whereClause)
    if verb == "UPDATE":
        clauses = update_clauses(text, start) if text else None
        pairs = (
            [(k, _written(v) or v) for k, v in clauses[0]]
            if clauses is not None
            else [(t.name, _deparse(t.val)) for t in stmt.targetList or () if t.name]
        )
        options["set"] = ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in pairs)
    return [_act(Kind.DATA_CHANGE, verb, table=_rel(stmt), options=options)]


def _insert(stmt: Any) -> list[Action]:
    select = stmt.selectStmt
    if select is None or getattr(select, "valuesLists", None):
        return [_act(Kind.INSERT_VALUES, "INSERT", table=_rel(stmt))]
    return [_act(Kind.DATA_CHANGE, "INSERT … SELECT", table=_rel(stmt))]


def _create(stmt: Any) -> list[Action]:
    flags = _flags((m.IF_NOT_EXISTS, stmt.if_not_exists))
    columns = tuple(column_of(e) for e in stmt.tableElts or () if _kind(e) == "ColumnDef")
    return [_act(Kind.CREATE_TABLE, "CREATE TABLE", table=_rel(stmt), flags=flags, coldefs=columns)]


def _transaction(stmt: Any) -> list[Action]:

    begin = stmt.kind in ("TRANS_STMT_BEGIN", "TRANS_STMT_START")
    end = stmt.kind in ("TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK")
    name = "begin" if begin else "commit" if end else "other"
    return [_act(Kind.TRANSACTION, name.upper(), name=name)]


def _defnames(items: Any) -> set[str]:
    return {str(getattr(i, "defname", "")).lower() for i in items or ()}


def _reindex(stmt: Any) -> list[Action]:
    kind = str(stmt.kind).removeprefix("REINDEX_OBJECT_").lower()
    options = {
        "statement": "reindex",
        "object": kind,
        "target": _rel(stmt) or stmt.name or "",
        "concurrently": "1" if "concurrently" in _defnames(stmt.params) else "",
    }
    return [_act(Kind.OTHER_DDL, "Reindex", table=_rel(stmt), options=options)]


def _vacuum(stmt: Any) -> list[Action]:
    full = "full" in _defnames(stmt.options) and stmt.is_vacuumcmd
    tables = [getattr(r.relation, "relname", "") for r in stmt.rels or () if r.relation]
    options = {"statement": "vacuum_full" if full else "vacuum", "tables": ", ".join(tables)}
    return [_act(Kind.OTHER_DDL, "Vacuum", options=options)]


def _cluster(stmt: Any) -> list[Action]:
    options = {"statement": "cluster", "index": stmt.indexname or ""}
    return [_act(Kind.OTHER_DDL, "Cluster", table=_rel(stmt), options=options)]


def _truncate(stmt: Any) -> list[Action]:

    tables = [r.relname for r in stmt.relations or ()]
    options = {
        "statement": "truncate",
        "tables": ", ".join(tables),
        "cascade": "1" if stmt.behavior == "DROP_CASCADE" else "",
    }
    return [_act(Kind.OTHER_DDL, "Truncate", options=options)]


def _trigger(stmt: Any) -> list[Action]:
    options = {"statement": "create_trigger", "trigger": stmt.trigname or ""}
    return [_act(Kind.OTHER_DDL, "CreateTrig", table=_rel(stmt), options=options)]


def _domain(stmt: Any) -> list[Action]:
    """CREATE DOMAIN / ALTER DOMAIN … ADD CONSTRAINT with a CHECK (other forms: no action)."""

    create = _kind(stmt) == "CreateDomainStmt"
    constraints = stmt.constraints if create else [stmt.def_] if stmt.subtype == "C" else []
    checks = [c for c in constraints or () if c.contype == "CONSTR_CHECK"]
    if not checks:
        return []
    name = ".".join(_names(stmt.domainname if create else stmt.typeName))
    origin = "CREATE DOMAIN" if create else "ALTER DOMAIN … ADD CONSTRAINT"
    options = {"statement": "create_domain" if create else "alter_domain", "check": "1"}
    flags = _flags((m.NOT_VALID, any(c.skip_validation for c in checks)))
    return [_act(Kind.OTHER_DDL, origin, name=name, options=options, flags=flags)]


def _other(stmt: Any) -> list[Action]:
    return [_act(Kind.OTHER_DDL, _kind(stmt).removesuffix("Stmt"), table=_rel(stmt))]


_HANDLERS = {
    "IndexStmt": _index,
    "DropStmt": _drop,
    "AlterTableStmt": _alter_table,
    "RenameStmt": _rename,
    "AlterEnumStmt": _alter_enum,
    "CreateEnumStmt": _create_enum,
    "VariableSetStmt": _set,
    "SelectStmt": _select,
    "LockStmt": _lock,
    "UpdateStmt": _data,
    "DeleteStmt": _data,
    "InsertStmt": _insert,
    "CreateStmt": _create,
    "TransactionStmt": _transaction,
    "ReindexStmt": _reindex,
    "ClusterStmt": _cluster,
    "VacuumStmt": _vacuum,
    "CreateTrigStmt": _trigger,
    "CreateDomainStmt": _domain,
    "AlterDomainStmt": _domain,
    "TruncateStmt": _truncate,
    "DropdbStmt": _drop_database,
}
