"""The Alembic plugin: loaded by Alembic on every ``import alembic``.

Alembic ≥ 1.20 imports this module through the ``alembic.plugins`` entry point and
calls :func:`setup`. It must stay cheap (DESIGN §1: ≤ 15 ms), so it imports nothing
of the package and only installs hooks:

* ``alembic.command.upgrade`` / ``downgrade`` are wrapped so that targets such as
  ``zdm-phase:2`` reach the phase runner;
* the operations (``op.add_index_concurrently`` …) are registered on first use: the
  first lookup of an unknown name on the ``alembic.op`` module or on an
  ``Operations`` object imports ``alembic_zdm.ops``, which registers every op;
* a revision file that cannot be imported (syntax error, failing import) stops every
  command that reads revisions — ``current``, ``history``, ``heads``, ``upgrade`` … —
  with one sentence naming the file, the line and the error, not a traceback
  (``--raiseerr`` still shows it).

``setup()`` runs while ``alembic`` is still half-imported, so ``alembic.command`` and
``alembic.op`` cannot be imported here (circular import): each is patched directly
when already loaded, otherwise by a one-shot ``sys.meta_path`` finder right after
the module executes.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Callable, Iterator, Sequence
from types import ModuleType
from typing import Any


def setup(plugin: Any) -> None:
    """Alembic plugin hook: install the lazy operation registry and the command wrappers."""
    from alembic.operations import Operations

    if "__getattr__" not in Operations.__dict__:
        Operations.__getattr__ = _operations_getattr  # type: ignore[attr-defined]
    for name, patch in _PATCHES.items():
        _patch_when_loaded(name, patch)


def _register() -> bool:
    """Register every operation (idempotent); True when this call did it."""
    from .ops import register_all

    return register_all()


def _operations_getattr(self: Any, name: str) -> Any:
    if name.startswith("_") or not _register():
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
    return getattr(self, name)


def _patch_op(module: ModuleType) -> None:
    def __getattr__(name: str) -> Any:
        if not name.startswith("_") and _register() and name in module.__dict__:
            return module.__dict__[name]
        raise AttributeError(f"module 'alembic.op' has no attribute {name!r}")

    module.__getattr__ = __getattr__  # type: ignore[method-assign]


def _patch_command(module: ModuleType) -> None:
    from .phases import commands

    commands.wrap_command_module(module)


def _patch_script(module: ModuleType) -> None:
    cls = module.ScriptDirectory
    original = cls._load_revisions
    if getattr(original, "_zdm_wrapper", False):
        return

    def _load_revisions(self: Any) -> Iterator[Any]:
        from alembic.util import CommandError

        try:
            yield from original(self)
        except CommandError:
            raise
        except Exception as exc:  # the revision file itself failed to import
            from .phases.revisions import import_error

            raise import_error(self, exc) from exc

    original_run_env = cls.run_env

    def run_env(self: Any) -> None:
        # read the revisions before env.py configures logging: the sentence is printed once
        self.revision_map.heads  # noqa: B018
        original_run_env(self)

    _load_revisions._zdm_wrapper = True  # type: ignore[attr-defined]
    cls._load_revisions = _load_revisions
    cls.run_env = run_env


_PATCHES: dict[str, Callable[[ModuleType], None]] = {
    "alembic.command": _patch_command,
    "alembic.op": _patch_op,
    "alembic.script.base": _patch_script,
}


def _patch_when_loaded(name: str, patch: Callable[[ModuleType], None]) -> None:
    module = sys.modules.get(name)
    if module is not None and getattr(module, "__file__", None):
        patch(module)
        return
    if not any(isinstance(f, _PatchingFinder) and f.name == name for f in sys.meta_path):
        sys.meta_path.insert(0, _PatchingFinder(name, patch))


class _PatchingLoader(importlib.abc.Loader):
    """Delegates to the real loader, then patches the freshly executed module."""

    def __init__(self, wrapped: importlib.abc.Loader, patch: Callable[[ModuleType], None]) -> None:
        self._wrapped = wrapped
        self._patch = patch

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._wrapped.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._wrapped.exec_module(module)
        self._patch(module)


class _PatchingFinder(importlib.abc.MetaPathFinder):
    """One-shot finder: intercepts the import of one module and removes itself."""

    def __init__(self, name: str, patch: Callable[[ModuleType], None]) -> None:
        self.name = name
        self.patch = patch

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        spec.loader = _PatchingLoader(spec.loader, self.patch)
        return spec
