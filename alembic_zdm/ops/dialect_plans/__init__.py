"""Plans of the operations for MySQL/MariaDB and SQLite, one module per database.

The import direction is one way: ``ops`` → ``dialects``. A dialect module
(:mod:`alembic_zdm.dialects.mysql` …) knows its database — capabilities, timeouts,
catalog queries, lock errors — and nothing of the operations; the plan functions
that turn an op into that database's statements live here, beside the op families
they plan (PostgreSQL's plans sit in the op family modules themselves, the first-class
database). :func:`load` imports a database's plan modules on first use, so a project
on PostgreSQL never imports the MySQL ones.

* ``mysql.py`` / ``sqlite.py``: the single-phase and constraint ops (``@plans``).
* ``mysql_ddl.py`` / ``sqlite_ddl.py``: the pattern ops' column DDL
  (``@register_column_ddl``).
"""

from __future__ import annotations

import importlib

from ...dialects import PlanContext, build_plan
from ...sql.statement import Statement

_MODULES: dict[str, tuple[str, ...]] = {
    "mysql": ("mysql", "mysql_ddl"),
    "mariadb": ("mysql", "mysql_ddl"),
    "sqlite": ("sqlite", "sqlite_ddl"),
}
"""``dialect.name`` → the modules here that register its plans."""

_loaded: set[str] = set()


def load(dialect_name: str) -> None:
    """Import the plan modules of *dialect_name* (once; a no-op for other databases)."""
    if dialect_name in _loaded:
        return
    _loaded.add(dialect_name)
    for module in _MODULES.get(dialect_name, ()):
        importlib.import_module(f"{__name__}.{module}")


def build(operation: object, context: PlanContext) -> list[Statement]:
    """:func:`~alembic_zdm.dialects.build_plan` with the database's plan modules loaded."""
    load(context.support.name)
    return build_plan(operation, context)
