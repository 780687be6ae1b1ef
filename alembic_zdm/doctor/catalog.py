"""Catalog queries of ``doctor``, per database, with the SQL that fixes each leftover."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

if TYPE_CHECKING:
    from . import Finding

_Check = Callable[[Connection, set[str], str], list["Finding"]]
_CHECKS: dict[str, _Check] = {}


def _register(*names: str) -> Callable[[_Check], _Check]:
    def deco(fn: _Check) -> _Check:
        for name in names:
            if name in _CHECKS:
                raise RuntimeError(f"doctor checks for {name} registered twice")
            _CHECKS[name] = fn
        return fn

    return deco


def leftovers(conn: Connection, owned_tables: set[str], prefix: str) -> list[Finding]:
    """Leftovers of half-done migrations in *conn*'s database."""
    check = _CHECKS.get(conn.dialect.name, _generic)
    return check(conn, owned_tables, prefix)


def _q(conn: Connection, *parts: str) -> str:
    prep = conn.dialect.identifier_preparer
    return ".".join(prep.quote(p) for p in parts if p)


def _columns(conn: Connection, owned: set[str], prefix: str) -> list[Finding]:
    from . import Finding

    found = []
    insp = inspect(conn)
    for table in insp.get_table_names():
        if table in owned:
            continue
        for col in insp.get_columns(table):
            if col["name"].startswith(prefix):
                found.append(
                    Finding(
                        "temporary-column",
                        f"{table}.{col['name']}",
                        "an alembic-zdm shadow/retired column that no in-flight revision owns",
                        f"ALTER TABLE {_q(conn, table)} DROP COLUMN {_q(conn, col['name'])};"
                        "  -- check its data first",
                    )
                )
    return found


@_register("postgresql")
def _postgresql(conn: Connection, owned: set[str], prefix: str) -> list[Finding]:
    from . import Finding

    found: list[Finding] = []
    invalid = conn.execute(
        text(
            "SELECT n.nspname, ic.relname, tc.relname FROM pg_index i "
            "JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class tc ON tc.oid = i.indrelid "
            "JOIN pg_namespace n ON n.oid = ic.relnamespace "
            "WHERE NOT i.indisvalid AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "ORDER BY 1, 2"
        )
    )
    for schema, index, table in invalid:
        found.append(
            Finding(
                "invalid-index",
                f"{schema}.{index} on {table}",
                "INVALID index left by a failed CREATE INDEX CONCURRENTLY: it is maintained on "
                "every write but never used",
                f"DROP INDEX CONCURRENTLY IF EXISTS {_q(conn, schema, index)};",
            )
        )
    not_valid = conn.execute(
        text(
            "SELECT n.nspname, t.relname, c.conname, c.contype FROM pg_constraint c "
            "JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
            "WHERE NOT c.convalidated ORDER BY 1, 2, 3"
        )
    )
    for schema, table, name, kind in not_valid:
        if table in owned:
            continue
        label = {"c": "CHECK", "f": "FOREIGN KEY", "n": "NOT NULL"}.get(kind, kind)
        found.append(
            Finding(
                "not-valid-constraint",
                f"{schema}.{table}.{name}",
                f"{label} constraint added NOT VALID and never validated: old rows are not checked",
                f"ALTER TABLE {_q(conn, schema, table)} VALIDATE CONSTRAINT {_q(conn, name)};",
            )
        )
    triggers = conn.execute(
        text(
            "SELECT n.nspname, c.relname, t.tgname, p.proname, pn.nspname FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_namespace pn ON pn.oid = p.pronamespace "
            "WHERE NOT t.tgisinternal AND t.tgname LIKE :p ORDER BY 1, 2, 3"
        ),
        {"p": prefix + "%"},
    )
    seen_functions: set[tuple[str, str]] = set()
    for schema, table, trigger, function, fschema in triggers:
        seen_functions.add((fschema, function))
        if table in owned:
            continue
        found.append(
            Finding(
                "dual-write-trigger",
                f"{schema}.{table}.{trigger}",
                "dual-write trigger that no in-flight revision owns: every write pays for it",
                f"DROP TRIGGER IF EXISTS {_q(conn, trigger)} ON {_q(conn, schema, table)}; "
                f"DROP FUNCTION IF EXISTS {_q(conn, fschema, function)}();",
            )
        )
    functions = conn.execute(
        text(
            "SELECT n.nspname, p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE p.proname LIKE :p AND p.prorettype = 'trigger'::regtype ORDER BY 1, 2"
        ),
        {"p": prefix + "%"},
    )
    for schema, function in functions:
        if (schema, function) in seen_functions:
            continue
        found.append(
            Finding(
                "dual-write-function",
                f"{schema}.{function}()",
                "trigger function of alembic-zdm that no trigger uses",
                f"DROP FUNCTION IF EXISTS {_q(conn, schema, function)}();",
            )
        )
    return found + _columns(conn, owned, prefix)


_TRIGGER_QUERIES = {
    "mysql": "SELECT event_object_table, trigger_name FROM information_schema.triggers "
    "WHERE trigger_schema = DATABASE() AND trigger_name LIKE :p ORDER BY 1, 2",
    "sqlite": "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger' AND name LIKE :p "
    "ORDER BY 1, 2",
}


@_register("mysql", "mariadb", "sqlite")
def _table_triggers(conn: Connection, owned: set[str], prefix: str) -> list[Finding]:
    """Databases whose triggers are dropped by name alone (MySQL/MariaDB, SQLite)."""
    from . import Finding

    query = _TRIGGER_QUERIES["sqlite" if conn.dialect.name == "sqlite" else "mysql"]
    check_triggers = prefix + "ck_"  # add_check_constraint_safe's CHECK, on MySQL/MariaDB: kept
    found = [
        Finding(
            "dual-write-trigger",
            f"{table}.{trigger}",
            "dual-write trigger that no in-flight revision owns",
            f"DROP TRIGGER IF EXISTS {_q(conn, trigger)};",
        )
        for table, trigger in conn.execute(text(query), {"p": prefix + "%"})
        if table not in owned and not trigger.startswith(check_triggers)
    ]
    return found + _columns(conn, owned, prefix)


def _generic(conn: Connection, owned: set[str], prefix: str) -> list[Finding]:
    return _columns(conn, owned, prefix)
