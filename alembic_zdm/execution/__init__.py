"""The executor and the catalog helpers every operation uses.

Public API::

    from alembic_zdm.execution import execute_plan, execute_statement
    execute_plan(op, [Statement(...), ...])           # online or --sql, lock policy applied
    rows = execute_statement(op, Statement(...))      # one statement, its rows ([] offline)

    from alembic_zdm.execution import catalog
    catalog.is_offline(op); catalog.server_version(op)
    catalog.table_exists(op, "orders"); catalog.column_exists(op, "orders", "email")
    catalog.column_names(op, "orders"); catalog.index_info(op, "ix_orders_email")
    catalog.constraint_info(op, "orders", "fk_orders_user"); catalog.lock_holders(op, "orders")
    catalog.require_table(op, "orders"); catalog.require_columns(op, "orders", ["email"])
    catalog.require_no_column(op, "orders", "email"); catalog.fetch(op, sql, params)

The first argument may be the ``op`` proxy's ``Operations``, a ``MigrationContext`` or
(for the catalog) a ``Connection``. See :mod:`alembic_zdm.execution.executor` for
how statements are wrapped in transactions, timeouts and retries, and
:func:`alembic_zdm.execution.policy.policy_for` for the timeouts per class.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import catalog
    from .executor import execute_plan, execute_statement, migration_context
    from .policy import TimeoutPolicy, backoff_ms, policy_for

_LAZY = {
    "catalog": ".catalog",
    "execute_plan": ".executor",
    "execute_statement": ".executor",
    "migration_context": ".executor",
    "TimeoutPolicy": ".policy",
    "backoff_ms": ".policy",
    "policy_for": ".policy",
}
"""Imported on first use: a plain ``alembic upgrade`` loads only the guard (:mod:`.guard`)."""

__all__ = [
    "TimeoutPolicy",
    "backoff_ms",
    "catalog",
    "execute_plan",
    "execute_statement",
    "migration_context",
    "policy_for",
]


def __getattr__(name: str) -> Any:
    where = _LAZY.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(where, __name__)
    value = module if name == "catalog" else getattr(module, name)
    globals()[name] = value
    return value
