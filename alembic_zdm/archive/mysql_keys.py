"""The foreign keys of a table archived on MySQL/MariaDB: read before the move, re-added
on restore.

``RENAME TABLE`` into the archive database goes after the table's foreign keys (from
it, into it, and to itself) are dropped (:meth:`~.places.MySQLPlace.dependents`);
they are read here first and kept in the catalog. The restore re-adds each as
``add_foreign_key_safe`` does on MySQL: ``ADD CONSTRAINT … FOREIGN KEY …
ALGORITHM=INPLACE`` with ``foreign_key_checks=0`` (no table copy, no scan, no write
lock), then a query that fails, naming the key, if rows written meanwhile reference
missing rows (the key itself keeps new ones out).
"""

from __future__ import annotations

import types
from typing import Any

from ..dialects.base import guard, orphans_query
from ..sql import mysql as my
from ..sql.quoting import Quoter
from ..sql.statement import LockLevel, Statement, TimeoutClass

_KEYS = (
    "SELECT rc.constraint_name AS name, rc.table_name AS tbl, "
    "rc.referenced_table_name AS ref, rc.delete_rule AS ondelete, "
    "rc.update_rule AS onupdate, k.column_name AS col, k.referenced_column_name AS ref_col "
    "FROM information_schema.referential_constraints rc "
    "JOIN information_schema.key_column_usage k ON k.constraint_schema = rc.constraint_schema "
    "AND k.constraint_name = rc.constraint_name AND k.table_name = rc.table_name "
    "WHERE rc.constraint_schema = COALESCE(:schema, DATABASE()) "
    "AND (rc.table_name = :table OR rc.referenced_table_name = :table) "
    "ORDER BY rc.table_name, rc.constraint_name, k.ordinal_position"
)


def read(connection: Any, table: str, schema: str | None) -> list[dict[str, Any]]:
    """Every foreign key from, into or within *table*: name, table, columns, referenced
    table and columns, rules (``RESTRICT`` / ``NO ACTION`` left out: the default)."""
    from sqlalchemy import text

    keys: dict[tuple[str, str], dict[str, Any]] = {}
    for r in connection.execute(text(_KEYS), {"schema": schema, "table": table}):
        fk = keys.setdefault(
            (r.tbl, r.name),
            {"name": r.name, "rel": r.tbl, "columns": [], "ref": r.ref, "ref_columns": [],
             "ondelete": _rule(r.ondelete), "onupdate": _rule(r.onupdate)},
        )  # fmt: skip
        fk["columns"].append(r.col)
        fk["ref_columns"].append(r.ref_col)
    return list(keys.values())


def _rule(rule: str | None) -> str | None:
    return None if rule in (None, "RESTRICT", "NO ACTION") else rule


def restore(
    q: Quoter, table: str, schema: str | None, fks: list[dict[str, Any]]
) -> list[Statement]:
    """Re-add the foreign keys :func:`read` found: INPLACE without checks, then the check."""
    plan: list[Statement] = []
    for fk in fks:
        add = my.add_foreign_key(
            q, fk["name"], fk["columns"], fk["ref"], fk["ref_columns"], referent_schema=schema,
            ondelete=fk.get("ondelete"), onupdate=fk.get("onupdate"),
        )  # fmt: skip
        where = {"schema": schema, "table": fk["rel"], "name": fk["name"]}
        plan.append(
            Statement(
                my.alter(q, fk["rel"], [add], my.Algorithm.INPLACE, schema=schema),
                lock=LockLevel.SHARE_UPDATE_EXCLUSIVE,
                timeout_class=TimeoutClass.ONLINE,
                table=fk["rel"],
                schema=schema,
                description=f"restore foreign key {fk['name']} of {fk['rel']} (checked next)",
                done_check=my.CONSTRAINT_EXISTS,
                done_params=where,
                session=(("foreign_key_checks", "0"),),
            )  # fmt: skip
        )
        shape = types.SimpleNamespace(
            source_table=fk["rel"], source_schema=schema, referent_table=fk["ref"],
            referent_schema=schema, local_cols=fk["columns"], remote_cols=fk["ref_columns"],
        )  # fmt: skip
        plan.append(
            guard(
                q,
                orphans_query(q, shape),
                f"Foreign key {fk['name']!r} of {fk['rel']!r} is restored, but rows of "
                f"{fk['rel']!r} reference missing rows of {fk['ref']!r} (written while "
                f"{table!r} was archived); fix or delete them",
                kind="data",
            )  # fmt: skip
        )
    return plan
