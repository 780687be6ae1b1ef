"""A database schema read from the catalog, to compare before and after a phase."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

IGNORED_TABLES = ("alembic_version",)


def snapshot(url: str, ignore: tuple[str, ...] = ("alembic_zdm_state",)) -> dict[str, Any]:
    """Tables with their columns, keys, indexes, constraints; PostgreSQL triggers and functions.

    Names of the plugin's state table and Alembic's version table are left out.
    """
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return _read(conn, set(IGNORED_TABLES) | set(ignore))
    finally:
        engine.dispose()


def _read(conn: sa.Connection, ignore: set[str]) -> dict[str, Any]:
    insp = sa.inspect(conn)
    tables: dict[str, Any] = {}
    for name in sorted(insp.get_table_names()):
        if name in ignore:
            continue
        tables[name] = {
            "columns": {
                c["name"]: {
                    "type": str(c["type"]),
                    "nullable": bool(c["nullable"]),
                    "default": _norm(c.get("default")),
                }
                for c in insp.get_columns(name)
            },
            "primary_key": list(insp.get_pk_constraint(name).get("constrained_columns") or []),
            "indexes": sorted(
                (i["name"] or "", tuple(str(c) for c in i["column_names"]), bool(i["unique"]))
                for i in insp.get_indexes(name)
            ),
            "unique": sorted(
                (u["name"] or "", tuple(u["column_names"]))
                for u in insp.get_unique_constraints(name)
            ),
            "foreign_keys": sorted(
                (
                    f["name"] or "",
                    tuple(f["constrained_columns"]),
                    f["referred_table"],
                    tuple(f["referred_columns"]),
                )
                for f in insp.get_foreign_keys(name)
            ),
            "checks": sorted(
                (c["name"] or "", " ".join(str(c["sqltext"]).split())) for c in _checks(insp, name)
            ),
        }
    out: dict[str, Any] = {"tables": tables, "views": sorted(insp.get_view_names())}
    if conn.dialect.name == "postgresql":
        out["triggers"] = sorted(
            tuple(r)
            for r in conn.execute(
                sa.text(
                    "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE NOT t.tgisinternal AND n.nspname = current_schema()"
                )
            )
        )
        out["functions"] = sorted(
            r[0]
            for r in conn.execute(
                sa.text(
                    "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                    "WHERE n.nspname = current_schema()"
                )
            )
        )
        out["invalid_indexes"] = sorted(
            r[0]
            for r in conn.execute(
                sa.text("SELECT indexrelid::regclass::text FROM pg_index WHERE NOT indisvalid")
            )
        )
    elif conn.dialect.name in ("mysql", "mariadb", "sqlite"):
        query = (
            "SELECT name FROM sqlite_master WHERE type = 'trigger'"
            if conn.dialect.name == "sqlite"
            else "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()"
        )
        out["triggers"] = sorted(r[0] for r in conn.execute(sa.text(query)))
    return out


def _checks(insp: Any, table: str) -> list[dict[str, Any]]:
    try:
        return list(insp.get_check_constraints(table))
    except NotImplementedError:
        return []


def _norm(default: Any) -> str | None:
    return None if default is None else " ".join(str(default).split())


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Human-readable differences between two snapshots (empty when equal)."""
    out: list[str] = []
    tb, ta = before.get("tables", {}), after.get("tables", {})
    for name in sorted(set(tb) - set(ta)):
        out.append(f"table {name} is missing")
    for name in sorted(set(ta) - set(tb)):
        out.append(f"table {name} was left behind")
    for name in sorted(set(tb) & set(ta)):
        for key in ("columns", "primary_key", "indexes", "unique", "foreign_keys", "checks"):
            if tb[name][key] != ta[name][key]:
                out.append(f"table {name}: {key} differ: {tb[name][key]!r} != {ta[name][key]!r}")
    for key in ("views", "triggers", "functions", "invalid_indexes"):
        if before.get(key) != after.get(key):
            out.append(f"{key} differ: {before.get(key)!r} != {after.get(key)!r}")
    return out
