"""What a SQL statement locks, and whether it rewrites or scans the table.

Used by ``alembic-zdm plan`` on the rendered SQL of each phase, so built-in Alembic
ops and raw ``op.execute`` SQL are described like alembic-zdm's own statements.
PostgreSQL statements are parsed with pglast (PostgreSQL's own parser) and keep
PostgreSQL's lock names; MySQL/MariaDB and SQLite are read by
:mod:`~alembic_zdm.sql.locks_mysql` and :mod:`~alembic_zdm.sql.locks_sqlite` and
described in their own terms (:attr:`LockInfo.term`); other databases get a
keyword reading that only tells DDL from DML.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from .statement import LockLevel

L = LockLevel


@dataclasses.dataclass(frozen=True)
class LockInfo:
    """The lock a statement takes and what it does to the table."""

    lock: LockLevel
    table: str | None
    rewrites: bool = False
    scans: bool = False
    kind: str = ""
    term: str = ""
    """The lock in the database's own words (MySQL: algorithm, lock, metadata lock;
    SQLite: database write lock); empty where the PostgreSQL level name is the term."""

    @property
    def shown(self) -> str:
        """What ``plan`` prints as the lock."""
        return self.term or self.lock.value


def _classify_mysql(sql: str) -> LockInfo:
    from .locks_mysql import classify_mysql

    return classify_mysql(sql)


def _classify_sqlite(sql: str) -> LockInfo:
    from .locks_sqlite import classify_sqlite

    return classify_sqlite(sql)


def classify(sql: str, dialect: str) -> LockInfo:
    """Classify one statement of *dialect* (``postgresql``, ``mysql``, ``sqlite`` …)."""
    reader = _READERS.get(dialect)
    if reader is not None:
        try:
            return reader(sql)
        except Exception:
            pass
    return _classify_keywords(sql)


def _enum(module: str, name: str) -> Any:
    import importlib

    return getattr(importlib.import_module(f"pglast.enums.{module}"), name)


def _classify_pg(sql: str) -> LockInfo:
    from pglast import parse_sql

    stmt: Any = parse_sql(sql)[0].stmt
    name = type(stmt).__name__
    table = _relname(getattr(stmt, "relation", None))
    if name == "AlterTableStmt":
        return _alter_table(stmt, table)
    if name == "IndexStmt":
        if stmt.concurrent:
            return LockInfo(
                L.SHARE_UPDATE_EXCLUSIVE, table, scans=True, kind="create index concurrently"
            )
        return LockInfo(L.SHARE, table, scans=True, kind="create index")
    if name == "DropStmt":
        objects = stmt.objects or ()
        target = (
            ".".join(getattr(p, "sval", "") for p in objects[0])
            if objects and isinstance(objects[0], tuple)
            else None
        )
        what = (
            _enum("parsenodes", "ObjectType")(stmt.removeType).name.removeprefix("OBJECT_").lower()
        )
        table = target if what == "table" else None
        if stmt.concurrent:
            return LockInfo(
                L.SHARE_UPDATE_EXCLUSIVE, table, kind=f"drop {what} concurrently {target}"
            )
        return LockInfo(L.ACCESS_EXCLUSIVE, table, kind=f"drop {what} {target or ''}".strip())
    if name == "RenameStmt":
        return LockInfo(L.ACCESS_EXCLUSIVE, table, kind="rename")
    if name == "CreateTrigStmt":
        return LockInfo(L.SHARE_ROW_EXCLUSIVE, table, kind="create trigger")
    if name in ("UpdateStmt", "DeleteStmt"):
        whole = getattr(stmt, "whereClause", None) is None
        return LockInfo(L.ROW_EXCLUSIVE, table, scans=whole, kind=name[:-4].lower())
    if name == "InsertStmt":
        return LockInfo(L.ROW_EXCLUSIVE, table, kind="insert")
    if name == "SelectStmt":
        return LockInfo(L.ACCESS_SHARE, None, kind="select")
    if name == "LockStmt":  # LOCK TABLE … IN <mode> MODE: modes 1..8, weakest first
        levels = [lv for lv in LockLevel if lv is not L.NONE]
        relations = stmt.relations or ()
        locked = _relname(relations[0]) if relations else None
        return LockInfo(levels[int(stmt.mode) - 1], locked, kind="lock table")
    if name == "CreateStmt":
        return LockInfo(L.NONE, table, kind="create table")
    return LockInfo(L.NONE, table, kind=name.removesuffix("Stmt").lower())


_VOLATILE = re.compile(
    r"\b(random|clock_timestamp|gen_random_uuid|uuid_generate_v4|nextval|timeofday)\s*\(", re.I
)


def _alter_table(stmt: Any, table: str | None) -> LockInfo:
    at = _enum("parsenodes", "AlterTableType")
    ct = _enum("parsenodes", "ConstrType")
    lock, rewrites, scans, kinds = L.NONE, False, False, []
    for cmd in stmt.cmds or ():
        sub = at(cmd.subtype)
        kinds.append(re.sub(r"(?<!^)(?=[A-Z])", " ", sub.name.removeprefix("AT_")).lower())
        this, rw, sc = L.ACCESS_EXCLUSIVE, False, False
        if sub == at.AT_AddConstraint:
            con = cmd.def_
            kind = ct(con.contype)
            if kind == ct.CONSTR_FOREIGN:
                this, sc = L.SHARE_ROW_EXCLUSIVE, not con.skip_validation
            elif kind in (ct.CONSTR_CHECK, ct.CONSTR_NOTNULL):
                sc = not con.skip_validation
            elif kind in (ct.CONSTR_UNIQUE, ct.CONSTR_PRIMARY):
                sc = not con.indexname
        elif sub == at.AT_ValidateConstraint:
            this, sc = L.SHARE_UPDATE_EXCLUSIVE, True
        elif sub == at.AT_AlterColumnType:
            rw = True
        elif sub == at.AT_SetNotNull:
            sc = True
        elif sub == at.AT_AddColumn:
            from pglast.stream import RawStream

            rw = bool(_VOLATILE.search(RawStream()(cmd.def_)))
        lock = this if _rank(this) > _rank(lock) else lock
        rewrites, scans = rewrites or rw, scans or sc
    return LockInfo(lock, table, rewrites, scans, "alter table: " + ", ".join(kinds))


def _rank(level: LockLevel) -> int:
    order = list(LockLevel)
    return order.index(level)


def _relname(relation: Any) -> str | None:
    if relation is None:
        return None
    schema = getattr(relation, "schemaname", None)
    return f"{schema}.{relation.relname}" if schema else relation.relname


_KEYWORDS: list[tuple[re.Pattern[str], LockLevel, str]] = [
    (re.compile(r"^\s*(alter|drop|rename|truncate)\b", re.I), L.ACCESS_EXCLUSIVE, "ddl"),
    (re.compile(r"^\s*create\s+(unique\s+)?index\b", re.I), L.SHARE, "create index"),
    (re.compile(r"^\s*create\s+trigger\b", re.I), L.SHARE_ROW_EXCLUSIVE, "create trigger"),
    (re.compile(r"^\s*(update|delete|insert|replace)\b", re.I), L.ROW_EXCLUSIVE, "dml"),
    (re.compile(r"^\s*select\b", re.I), L.ACCESS_SHARE, "select"),
]
_TABLE = re.compile(r"\b(?:table|into|update|from|on)\s+[`\"]?([\w.]+)", re.I)


def _classify_keywords(sql: str) -> LockInfo:
    for pattern, level, kind in _KEYWORDS:
        if pattern.search(sql):
            match = _TABLE.search(sql)
            return LockInfo(level, match.group(1) if match else None, kind=kind)
    return LockInfo(L.NONE, None, kind="other")


_READERS = {
    "postgresql": _classify_pg,
    "mysql": _classify_mysql,
    "mariadb": _classify_mysql,
    "sqlite": _classify_sqlite,
}
"""``dialect.name`` -> the reader of its statements."""
