"""The Alembic plugin: loaded by Alembic on every ``import alembic``.

Alembic ≥ 1.20 imports this module through the ``alembic.plugins`` entry point and
calls :func:`setup`. Two things happen here, both cheap:

* the operation families are registered on ``op`` (``alembic_zdm.ops``);
* ``alembic.command.upgrade`` / ``downgrade`` are wrapped so that targets such as
  ``zdm-phase:2`` reach the phase runner. ``setup()`` runs while ``alembic`` is still
  half-imported, so ``alembic.command`` cannot be imported here (circular import):
  it is patched directly when already loaded, otherwise by a one-shot
  ``sys.meta_path`` finder right after the module executes.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

_COMMAND_MODULE = "alembic.command"


def setup(plugin: Any) -> None:
    """Alembic plugin hook: register the operations and wrap the upgrade/downgrade commands."""
    from .ops import register_all

    register_all()
    install_command_patch()


def install_command_patch() -> None:
    """Wrap ``alembic.command`` now if it is loaded, else as soon as it is imported."""
    module = sys.modules.get(_COMMAND_MODULE)
    if module is not None and getattr(module, "__file__", None):
        _patch(module)
        return
    if not any(isinstance(f, _CommandFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _CommandFinder())


def _patch(module: ModuleType) -> None:
    from .phases import commands

    commands.wrap_command_module(module)


class _PatchingLoader(importlib.abc.Loader):
    """Delegates to the real loader, then patches the freshly executed module."""

    def __init__(self, wrapped: importlib.abc.Loader) -> None:
        self._wrapped = wrapped

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._wrapped.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._wrapped.exec_module(module)
        _patch(module)


class _CommandFinder(importlib.abc.MetaPathFinder):
    """One-shot finder: intercepts the import of ``alembic.command`` and removes itself."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != _COMMAND_MODULE:
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        spec.loader = _PatchingLoader(spec.loader)
        return spec
