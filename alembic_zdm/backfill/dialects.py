"""What differs per database in a backfill: batch timeouts, errors, estimates, offline SQL.

Dispatched on ``dialect.name`` through :data:`_REGISTRY`; a dialect without an entry
runs batches without per-batch timeouts and cannot render an offline backfill.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from ..errors import UnsupportedDialectError
from .spec import BackfillSpec


@dataclasses.dataclass(frozen=True)
class BackfillDialect:
    """The per-database parts of the backfill engine."""

    set_timeouts: Callable[[Any, int, int], None]
    """``(connection, statement_timeout_ms, lock_timeout_ms)``: apply to the open transaction."""
    is_retryable: Callable[[BaseException], bool]
    """A batch error worth retrying (lock or statement timeout)."""
    row_estimate: Callable[[Any, BackfillSpec], int | None]
    """Cheap row-count estimate of the table (for the ETA), ``None`` if unknown."""
    offline_script: Callable[[BackfillSpec, tuple[str, ...], int, Any], str] | None = None
    """SQL that runs the whole batched backfill by itself (``--sql`` output)."""
    begin: Callable[[Any, int, int], None] | None = None
    """``(connection, statement_timeout_ms, lock_timeout_ms)``: open a batch's transaction
    with its timeouts; default ``BEGIN``, then :attr:`set_timeouts`."""

    def begin_batch(self, connection: Any, statement_ms: int, lock_ms: int) -> None:
        """Open one batch's transaction (see :attr:`begin`)."""
        if self.begin is not None:
            self.begin(connection, statement_ms, lock_ms)
            return
        connection.exec_driver_sql("BEGIN")
        try:
            self.set_timeouts(connection, statement_ms, lock_ms)
        except BaseException:
            connection.exec_driver_sql("ROLLBACK")
            raise


_REGISTRY: dict[str, BackfillDialect] = {}


def register(names: tuple[str, ...], entry: BackfillDialect) -> None:
    """Register *entry* for each dialect name; a second registration is an error."""
    for name in names:
        if name in _REGISTRY:
            raise RuntimeError(f"backfill support for dialect {name!r} is registered twice")
        _REGISTRY[name] = entry


def _none_timeouts(connection: Any, statement_ms: int, lock_ms: int) -> None:
    return None


GENERIC = BackfillDialect(
    set_timeouts=_none_timeouts,
    is_retryable=lambda exc: False,
    row_estimate=lambda connection, spec: None,
)


_BUILTIN = {"postgresql": "postgresql", "mysql": "mysql", "mariadb": "mysql", "sqlite": "sqlite"}
"""``dialect.name`` → the module of this package that registers it (imported lazily)."""


def for_dialect(dialect: Any) -> BackfillDialect:
    """The entry for *dialect* (the generic one when it has none)."""
    if dialect.name in _BUILTIN and dialect.name not in _REGISTRY:
        import importlib

        importlib.import_module(f"{__package__}.{_BUILTIN[dialect.name]}")
    return _REGISTRY.get(dialect.name, GENERIC)


def offline_script(spec: BackfillSpec, key: tuple[str, ...], batch_size: int, dialect: Any) -> str:
    """The ``--sql`` rendering of a batched backfill, or a clear error."""
    render = for_dialect(dialect).offline_script
    if render is None:
        from ..phases.context import offline_catalog

        if offline_catalog() is not None:  # ``alembic-zdm plan``: describe it, no script
            return (
                f"-- backfill({spec.qualified}): key-range batches of {batch_size} rows on "
                f"({', '.join(key)}), each in its own transaction"
            )
        raise UnsupportedDialectError(
            f"A batched backfill of {spec.qualified!r} cannot be rendered as offline SQL for "
            f"{dialect.name!r}; run this migration online."
        )
    return render(spec, key, batch_size, dialect)
