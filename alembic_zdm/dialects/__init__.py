"""Per-database knowledge, found by SQLAlchemy ``dialect.name`` through two registries.

* :func:`register_dialect` — one :class:`DialectSupport` subclass per database: its
  capabilities (from the server version), how to set timeouts, how to tell a lock
  timeout from other errors, the catalog queries. ``dialect_support(dialect)`` finds
  it; built-in modules (``dialects/postgresql.py`` …) are imported on first use.
* :func:`plans` — one plan function per (operation class, dialect): it turns the op
  (data only) into a list of :class:`~alembic_zdm.sql.statement.Statement`.
  :func:`build_plan` dispatches; op code never branches on the dialect name.

Registering a name twice is an error in both registries. To add a database, write
``dialects/<dialect.name>.py`` with a ``@register_dialect("<name>")`` class, add it to
``_BUILTIN``, and register a plan function per op.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.engine import Dialect

from ..config import ZdmSettings
from ..errors import UnsupportedDialectError
from ..frozen import frozen_record
from ..phases.model import Phase
from ..sql.quoting import Quoter
from .base import DialectSupport

if TYPE_CHECKING:
    from ..sql.statement import Statement

__all__ = [
    "DialectSupport",
    "PlanContext",
    "build_plan",
    "dialect_support",
    "plans",
    "register_dialect",
]

_BUILTIN: dict[str, str] = {
    "postgresql": f"{__name__}.postgresql",
    "mysql": f"{__name__}.mysql",
    "mariadb": f"{__name__}.mysql",
    "sqlite": f"{__name__}.sqlite",
}
"""``dialect.name`` → module that registers its support (imported lazily)."""

_SUPPORT: dict[str, type[DialectSupport]] = {}

S = TypeVar("S", bound=type[DialectSupport])


def register_dialect(*names: str) -> Callable[[S], S]:
    """Class decorator: *cls* serves the SQLAlchemy dialects *names* (e.g. ``"mysql", "mariadb"``)."""

    def decorate(cls: S) -> S:
        for name in names:
            if name in _SUPPORT:
                raise ValueError(
                    f"Dialect {name!r} is already registered by {_SUPPORT[name].__qualname__}."
                )
            _SUPPORT[name] = cls
        return cls

    return decorate


def support_class(name: str) -> type[DialectSupport]:
    """The registered support class of dialect *name*."""
    if name not in _SUPPORT and name in _BUILTIN:
        importlib.import_module(_BUILTIN[name])
    try:
        return _SUPPORT[name]
    except KeyError:
        known = ", ".join(sorted(set(_SUPPORT) | set(_BUILTIN)))
        raise UnsupportedDialectError(
            f"alembic-zdm does not support the {name!r} database yet (supported: {known})."
        ) from None


def dialect_support(dialect: Dialect) -> DialectSupport:
    """The :class:`DialectSupport` for *dialect*, with the server version it reports."""
    from .capabilities import parse_version

    version = parse_version(getattr(dialect, "server_version_info", None))
    return support_class(dialect.name)(dialect, version)


@frozen_record
class PlanContext:
    """What a plan function may use: quoting, capabilities and settings — never a connection.

    :param support: the dialect's support (capabilities, name).
    :param quoter: quotes names and literals for the dialect.
    :param settings: the effective settings (op keyword arguments applied).
    :param phase: for a pattern op, the phase being planned (``None``: a single-phase op).
    :param undo: True when planning the undo of *phase*.
    """

    support: DialectSupport
    quoter: Quoter
    settings: ZdmSettings
    phase: Phase | None = None
    undo: bool = False


Planner = Callable[[Any, "PlanContext"], "list[Statement]"]
_PLANNERS: dict[tuple[type[Any], str], Planner] = {}

P = TypeVar("P", bound=Planner)


def plans(op_type: type[Any], *dialect_names: str) -> Callable[[P], P]:
    """Decorator: the function plans *op_type* for the SQLAlchemy dialects *dialect_names*."""

    def decorate(fn: P) -> P:
        for name in dialect_names:
            key = (op_type, name)
            if key in _PLANNERS:
                raise ValueError(
                    f"{op_type.__name__} already has a plan function for {name!r}: "
                    f"{_PLANNERS[key].__qualname__}."
                )
            _PLANNERS[key] = fn
        return fn

    return decorate


def find_planner(op_type: type[Any], name: str) -> Planner | None:
    """The plan function of *op_type* (or a base class) for dialect *name*, if any."""
    if name in _BUILTIN:
        support_class(name)
    for klass in op_type.__mro__:
        planner = _PLANNERS.get((klass, name))
        if planner is not None:
            return planner
    return None


def build_plan(operation: Any, context: PlanContext) -> list[Statement]:
    """The statements that carry out *operation* on the context's dialect."""
    name = context.support.name
    planner = find_planner(type(operation), name)
    if planner is not None:
        return planner(operation, context)
    raise UnsupportedDialectError(
        f"{type(operation).__name__} has no implementation for the {name!r} database yet; "
        "use the plain Alembic operation or open an issue."
    )
