"""A database's catalog as plain data, to compare a run with the plugin against stock Alembic.

Tables, columns (type, nullability, default), primary keys, indexes (and, on PostgreSQL,
whether each is valid), unique, foreign-key and check constraints, sequences and enums,
and the rows of Alembic's version table. The plugin's own state table is left out: stock
Alembic has none.

Run as a script, it runs ``upgrade head`` and ``downgrade base`` of each project given
**without the plugin** (the ``alembic.plugins`` entry point of alembic_zdm is hidden
before ``alembic`` is imported) and prints one JSON line per project::

    python -m tests.phases.catalog one/alembic.ini two/alembic.ini
"""

from __future__ import annotations

import json
import sys
from typing import Any

import sqlalchemy as sa

STATE_TABLE = "alembic_zdm_state"


def snapshot(url: str) -> dict[str, Any]:
    """The catalog of the database at *url*."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return _snapshot(conn)
    finally:
        engine.dispose()


def _snapshot(conn: sa.Connection) -> dict[str, Any]:
    insp = sa.inspect(conn)
    tables: dict[str, Any] = {}
    for name in sorted(insp.get_table_names()):
        if name == STATE_TABLE:
            continue
        tables[name] = {
            "columns": [
                [c["name"], str(c["type"]), c["nullable"], _text(c.get("default"))]
                for c in insp.get_columns(name)
            ],
            "pk": insp.get_pk_constraint(name).get("constrained_columns"),
            "indexes": sorted(
                [i["name"], list(i["column_names"]), bool(i["unique"])]
                for i in insp.get_indexes(name)
            ),
            "unique": sorted(
                [u["name"], list(u["column_names"])] for u in insp.get_unique_constraints(name)
            ),
            "fks": sorted(
                [f["name"], f["constrained_columns"], f["referred_table"], f["referred_columns"]]
                for f in insp.get_foreign_keys(name)
            ),
            "checks": sorted([c["name"], _text(c["sqltext"])] for c in _checks(insp, name)),
        }
    found: dict[str, Any] = {"tables": tables}
    if conn.dialect.name == "postgresql":
        found["invalid_indexes"] = sorted(
            r[0]
            for r in conn.execute(
                sa.text(
                    "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE NOT i.indisvalid AND n.nspname = current_schema()"
                )
            )
        )
        found["sequences"] = sorted(insp.get_sequence_names())
        found["enums"] = sorted(
            [e["name"], list(e["labels"])]
            for e in insp.get_enums()  # type: ignore[attr-defined]
        )
    if "alembic_version" in tables:
        found["version"] = sorted(
            r[0] for r in conn.execute(sa.text("SELECT version_num FROM alembic_version"))
        )
    return found


def _checks(insp: Any, name: str) -> list[dict[str, Any]]:
    try:
        return list(insp.get_check_constraints(name))
    except NotImplementedError:
        return []


def _text(value: Any) -> str | None:
    return None if value is None else " ".join(str(value).split())


def _hide_plugin() -> None:
    import importlib.metadata as md

    original = md.entry_points

    def entry_points(**params: Any) -> Any:
        found = original(**params)
        if params.get("group") == "alembic.plugins":
            return md.EntryPoints(ep for ep in found if not ep.value.startswith("alembic_zdm"))
        return found

    md.entry_points = entry_points  # type: ignore[assignment]


def main(argv: list[str]) -> None:
    """For each ini of *argv*: stock Alembic ``upgrade head`` then ``downgrade base``.

    Prints one JSON line per project: ``{"ini", "error", "snapshots"}``, with the catalog
    after each command that completed and the last line of the error, if one stopped it.
    """
    _hide_plugin()
    from alembic.config import Config
    from alembic.config import main as alembic_main

    for ini in argv:
        url = Config(ini).get_main_option("sqlalchemy.url")
        assert url is not None
        snapshots, error = [], None
        for cmd in ("upgrade head", "downgrade base"):
            try:
                alembic_main(["-c", ini, "--raiseerr", *cmd.split()])
            except Exception as exc:  # stock Alembic failing is a result here
                error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1:]}"
                break
            snapshots.append(snapshot(url))
        assert "alembic_zdm.plugin" not in sys.modules, "the plugin was loaded"
        print(json.dumps({"ini": ini, "error": error, "snapshots": snapshots}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
