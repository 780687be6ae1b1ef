"""Custom Alembic operations, one module per family.

Every op is a real Alembic operation (``Operations.register_operation`` +
``implementation_for``). The plugin registers them lazily: :func:`register_all`
runs on the first lookup of an unknown name on ``alembic.op`` or an ``Operations``
object (see :mod:`alembic_zdm.plugin`), so ``import alembic`` stays cheap.
"""

from __future__ import annotations

_REGISTERED = False


def register_all() -> bool:
    """Import every op family so its operations are registered.

    Idempotent; returns True when this call did the registering.
    """
    global _REGISTERED
    if _REGISTERED:
        return False
    _REGISTERED = True
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_") and info.name != "base":
            importlib.import_module(f"{__name__}.{info.name}")
    return True
