"""Classify PostgreSQL statements with pglast (PostgreSQL's own parser).

pglast is imported only when a revision really contains SQL text.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from pglast.enums import AlterTableType as T
from pglast.enums import ConstrType, DropBehavior, ObjectType
from pglast.enums import TransactionStmtKind as K

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

    _SOURCE[0] = sql
    try:
        raws = parser.parse_sql(sql)
        parsed = [_statement(raw.stmt_location or 0, raw.stmt) for raw in raws]
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
        _SOURCE[0] = sql[piece]
        try:
            raws = parser.parse_sql(sql[piece])
        except parser.ParseError as exc:
            errors.append((piece.start, str(exc.args[0]) if exc.args else str(exc)))
            continue
        statements.extend(
            _statement(piece.start + (raw.stmt_location or 0), raw.stmt) for raw in raws
        )
    _restore_long_identifiers(sql, statements)
    return statements, errors or [(0, first_error)]


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
    handler = _HANDLERS.get(type(stmt).__name__)
    actions = handler(stmt) if handler else []
    return SqlStatement(offset, actions, type(stmt).__name__)


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

    kinds = {ObjectType.OBJECT_INDEX: Kind.DROP_INDEX, ObjectType.OBJECT_TABLE: Kind.DROP_TABLE}
    kind = kinds.get(stmt.removeType)
    if kind is None:
        if stmt.removeType == ObjectType.OBJECT_SCHEMA:
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
        name = _names(obj)[-1] if isinstance(obj, (list, tuple)) else getattr(obj, "sval", None)
        if kind is Kind.DROP_INDEX:
            result.append(_act(kind, "DROP INDEX", name=name, flags=flags))
        else:
            result.append(_act(kind, "DROP TABLE", table=name, flags=flags))
    return result


def _drop_schema(stmt: Any) -> dict[str, str]:

    cascade = "1" if stmt.behavior == DropBehavior.DROP_CASCADE else ""
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
    if isinstance(node, (list, tuple)):
        for item in node:
            _functions(item, found)
        return
    slots = getattr(node, "__slots__", None)
    if not isinstance(slots, dict):
        return
    if type(node).__name__ == "FuncCall":
        found.update(n.lower() for n in _names(node.funcname)[-1:])
    for attr in slots:
        _functions(getattr(node, attr, None), found)


def _deparse(node: Any) -> str:
    """SQL text printed from the parse tree (imports pglast's printers on first use)."""
    from pglast.stream import RawStream

    return str(RawStream()(node))


def default_of(expr: Any, location: int | None = None) -> DefaultSpec:
    """A DEFAULT expression → :class:`DefaultSpec` (its text as written when *location*,
    the ``DEFAULT`` keyword's offset, is known)."""
    found: set[str] = set()
    _functions(expr, found)
    written = default_expression(_SOURCE[0], location) if location is not None else None
    text = written if written is not None else _deparse(expr)
    constant = type(expr).__name__ in ("A_Const", "TypeCast") and not found
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
        if ct == ConstrType.CONSTR_NOTNULL:
            nullable = False
        elif ct == ConstrType.CONSTR_NULL:
            nullable = True
        elif ct == ConstrType.CONSTR_DEFAULT:
            default = default_of(con.raw_expr, con.location)
        elif ct == ConstrType.CONSTR_PRIMARY:
            pk = True
        elif ct == ConstrType.CONSTR_UNIQUE:
            unique = True
        elif ct == ConstrType.CONSTR_FOREIGN:
            fk = getattr(con.pktable, "relname", "?")
        elif ct == ConstrType.CONSTR_IDENTITY:
            generated, generated_kind = True, "identity"
        elif ct == ConstrType.CONSTR_GENERATED:
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
        ConstrType.CONSTR_CHECK: "check",
        ConstrType.CONSTR_FOREIGN: "foreign_key",
        ConstrType.CONSTR_UNIQUE: "unique",
        ConstrType.CONSTR_PRIMARY: "primary_key",
        ConstrType.CONSTR_EXCLUSION: "exclude",
    }
    kind = kinds.get(con.contype, "other")
    condition = None
    if kind == "check" and con.raw_expr is not None:
        text = check_condition(_SOURCE[0], con.location)
        condition = not_null_condition(text if text is not None else _deparse(con.raw_expr))
    columns = tuple(_names(con.keys) or _names(con.fk_attrs))
    flags = _flags((m.NOT_VALID, con.skip_validation), (m.USING_INDEX, con.indexname))
    return _act(
        Kind.ADD_CONSTRAINT,
        f"ADD CONSTRAINT {kind.replace('_', ' ').upper()}",
        table=table,
        name=con.conname,
        constraint=kind,
        columns=columns,
        condition=condition,
        flags=flags,
        options={"references": getattr(con.pktable, "relname", "")} if con.pktable else {},
    )


def _alter_table(stmt: Any) -> list[Action]:

    table = _rel(stmt)
    if stmt.objtype != ObjectType.OBJECT_TABLE:
        return [_act(Kind.OTHER_DDL, "ALTER", table=None)]
    return [_alter_cmd(table, cmd) for cmd in stmt.cmds or ()]


def _alter_cmd(table: str | None, cmd: Any) -> Action:

    sub = cmd.subtype
    if sub == T.AT_AddColumn:
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
    if sub == T.AT_DropColumn:
        flags = _flags((m.IF_EXISTS, cmd.missing_ok))
        return _act(Kind.DROP_COLUMN, "DROP COLUMN", table=table, column=cmd.name, flags=flags)
    if sub == T.AT_SetNotNull:
        return _act(Kind.SET_NOT_NULL, "ALTER COLUMN … SET NOT NULL", table=table, column=cmd.name)
    if sub == T.AT_DropNotNull:
        return _act(
            Kind.DROP_NOT_NULL, "ALTER COLUMN … DROP NOT NULL", table=table, column=cmd.name
        )
    if sub == T.AT_AlterColumnType:
        new = type_of(cmd.def_.typeName)
        return _act(
            Kind.ALTER_TYPE, "ALTER COLUMN … TYPE", table=table, column=cmd.name, new_type=new
        )
    if sub == T.AT_ColumnDefault:
        return _act(Kind.SET_DEFAULT, "ALTER COLUMN … SET DEFAULT", table=table, column=cmd.name)
    if sub == T.AT_AddConstraint:
        return _constraint(table, cmd.def_)
    if sub == T.AT_ValidateConstraint:
        return _act(Kind.VALIDATE_CONSTRAINT, "VALIDATE CONSTRAINT", table=table, name=cmd.name)
    if sub == T.AT_DropConstraint:
        flags = _flags((m.IF_EXISTS, cmd.missing_ok))
        return _act(
            Kind.DROP_CONSTRAINT, "DROP CONSTRAINT", table=table, name=cmd.name, flags=flags
        )
    statement = _TABLE_REWRITES.get(sub.name)
    if statement is not None:
        return _act(
            Kind.OTHER_DDL,
            "ALTER TABLE",
            table=table,
            options={"statement": statement, "value": cmd.name or ""},
        )
    if sub == T.AT_DetachPartition:
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
    if stmt.renameType == ObjectType.OBJECT_COLUMN:
        return [
            _act(
                Kind.RENAME_COLUMN,
                "RENAME COLUMN",
                table=table,
                column=stmt.subname,
                name=stmt.newname,
            )
        ]
    if stmt.renameType == ObjectType.OBJECT_TABLE:
        return [_act(Kind.RENAME_TABLE, "RENAME TO", table=table, name=stmt.newname)]
    if stmt.renameType == ObjectType.OBJECT_SCHEMA:
        options = {"statement": "rename_schema", "new_name": stmt.newname or ""}
        return [_act(Kind.OTHER_DDL, "RENAME", table=table, name=stmt.subname, options=options)]
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
        text = _deparse(stmt).lower()
        for setting in ("lock_timeout", "statement_timeout"):
            if setting in text:
                return [_act(Kind.SET_TIMEOUT, "SELECT set_config", name=setting)]
    return []


def _data(stmt: Any) -> list[Action]:
    import json

    verb = {"UpdateStmt": "UPDATE", "DeleteStmt": "DELETE"}[type(stmt).__name__]
    options: dict[str, str] = {}
    location = getattr(stmt.relation, "location", None)
    start = location if isinstance(location, int) else 0
    text = _SOURCE[0] if isinstance(location, int) else ""
    if stmt.whereClause is not None:
        where = where_clause(text, start) if text else None
        options["where"] = where if where is not None else _deparse(stmt.whereClause)
    if verb == "UPDATE":
        clauses = update_clauses(text, start) if text else None
        pairs = (
            clauses[0]
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
    columns = tuple(column_of(e) for e in stmt.tableElts or () if type(e).__name__ == "ColumnDef")
    return [_act(Kind.CREATE_TABLE, "CREATE TABLE", table=_rel(stmt), flags=flags, coldefs=columns)]


def _transaction(stmt: Any) -> list[Action]:

    begin = stmt.kind in (K.TRANS_STMT_BEGIN, K.TRANS_STMT_START)
    end = stmt.kind in (K.TRANS_STMT_COMMIT, K.TRANS_STMT_ROLLBACK)
    name = "begin" if begin else "commit" if end else "other"
    return [_act(Kind.TRANSACTION, name.upper(), name=name)]


def _defnames(items: Any) -> set[str]:
    return {str(getattr(i, "defname", "")).lower() for i in items or ()}


def _reindex(stmt: Any) -> list[Action]:
    kind = stmt.kind.name.removeprefix("REINDEX_OBJECT_").lower()
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
        "cascade": "1" if stmt.behavior == DropBehavior.DROP_CASCADE else "",
    }
    return [_act(Kind.OTHER_DDL, "Truncate", options=options)]


def _trigger(stmt: Any) -> list[Action]:
    options = {"statement": "create_trigger", "trigger": stmt.trigname or ""}
    return [_act(Kind.OTHER_DDL, "CreateTrig", table=_rel(stmt), options=options)]


def _domain(stmt: Any) -> list[Action]:
    """CREATE DOMAIN / ALTER DOMAIN … ADD CONSTRAINT with a CHECK (other forms: no action)."""

    create = type(stmt).__name__ == "CreateDomainStmt"
    constraints = stmt.constraints if create else [stmt.def_] if stmt.subtype == "C" else []
    checks = [c for c in constraints or () if c.contype == ConstrType.CONSTR_CHECK]
    if not checks:
        return []
    name = ".".join(_names(stmt.domainname if create else stmt.typeName))
    origin = "CREATE DOMAIN" if create else "ALTER DOMAIN … ADD CONSTRAINT"
    options = {"statement": "create_domain" if create else "alter_domain", "check": "1"}
    flags = _flags((m.NOT_VALID, any(c.skip_validation for c in checks)))
    return [_act(Kind.OTHER_DDL, origin, name=name, options=options, flags=flags)]


def _other(stmt: Any) -> list[Action]:
    return [_act(Kind.OTHER_DDL, type(stmt).__name__.removesuffix("Stmt"), table=_rel(stmt))]


_HANDLERS = {
    "IndexStmt": _index,
    "DropStmt": _drop,
    "AlterTableStmt": _alter_table,
    "RenameStmt": _rename,
    "AlterEnumStmt": _alter_enum,
    "CreateEnumStmt": _create_enum,
    "VariableSetStmt": _set,
    "SelectStmt": _select,
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
