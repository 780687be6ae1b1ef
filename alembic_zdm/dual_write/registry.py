"""Per-dialect SQL for dual-write triggers, dispatched on ``dialect.name``.

A dialect module registers its two plan builders with :func:`register`; one function
may serve several dialects (``"mysql", "mariadb"``). Registering a dialect twice is
an error. Adding MySQL or SQLite means adding one module and one import line in
:func:`_load`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import UnsupportedDialectError
from ..sql.statement import Statement
from .spec import DualWriteSpec

PlanBuilder = Callable[[DualWriteSpec, Any], list[Statement]]

_ENABLE: dict[str, PlanBuilder] = {}
_DISABLE: dict[str, PlanBuilder] = {}


def register(*dialect_names: str) -> Callable[[type[Any]], type[Any]]:
    """Class decorator: the class's ``enable`` / ``disable`` static methods serve *dialect_names*."""

    def decorate(cls: type[Any]) -> type[Any]:
        for name in dialect_names:
            if name in _ENABLE:
                raise RuntimeError(f"dual-write SQL for dialect {name!r} is registered twice")
            _ENABLE[name] = cls.enable
            _DISABLE[name] = cls.disable
        return cls

    return decorate


_BUILTIN = {"postgresql": "postgresql", "mysql": "mysql", "mariadb": "mysql", "sqlite": "sqlite"}


def _load(name: str) -> None:
    if name in _BUILTIN and name not in _ENABLE:
        import importlib

        importlib.import_module(f"{__package__}.{_BUILTIN[name]}")


def _builder(table: dict[str, PlanBuilder], dialect: Any) -> PlanBuilder:
    _load(dialect.name)
    builder = table.get(dialect.name)
    if builder is None:
        raise UnsupportedDialectError(
            f"Dual-write triggers are not available for the {dialect.name!r} database yet; "
            f"supported: {', '.join(sorted(set(table) | set(_BUILTIN)))}."
        )
    return builder


def enable_plan(spec: DualWriteSpec, dialect: Any) -> list[Statement]:
    """Statements that install the dual-write trigger of *spec* on *dialect*."""
    return _builder(_ENABLE, dialect)(spec, dialect)


def disable_plan(spec: DualWriteSpec, dialect: Any) -> list[Statement]:
    """Statements that remove the dual-write trigger of *spec* on *dialect*."""
    return _builder(_DISABLE, dialect)(spec, dialect)
