"""Custom Alembic operations; importing this package registers them on ``op``.

One module per family. Every op is a real Alembic operation
(``Operations.register_operation`` + ``implementation_for``).
"""

from __future__ import annotations

_REGISTERED = False


def register_all() -> None:
    """Import every op family so its operations are registered (idempotent)."""
    global _REGISTERED
    if _REGISTERED:
        return
    _REGISTERED = True
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_") and info.name != "base":
            importlib.import_module(f"{__name__}.{info.name}")
