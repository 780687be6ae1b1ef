"""A release of the application, as the compatibility check needs it: models and heads."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from .compat import TableSpec, describe_in_isolation, tree_at_ref


@dataclasses.dataclass(frozen=True)
class Release:
    """What one release's code maps, and the revisions its database was at."""

    name: str
    tables: list[TableSpec]
    heads: tuple[str, ...] | None
    """``None`` when unknown (models given as a module): the deploy starts from base."""


def _heads_in(script_location: Path) -> tuple[str, ...]:
    from alembic.script import ScriptDirectory

    if not script_location.is_dir():
        return ()
    return tuple(ScriptDirectory(str(script_location)).get_heads())


def at_ref(config: Any, models: str, ref: str, repo: Path) -> Release:
    """The release at git *ref*: its models (imported from its own tree) and its heads."""
    from alembic.script import ScriptDirectory

    here = Path(ScriptDirectory.from_config(config).dir).resolve()
    relative = os.path.relpath(here, repo.resolve())
    project = Path(str(config.config_file_name)).resolve().parent
    with tree_at_ref(ref, repo) as tree:
        heads = _heads_in(tree / relative)
        tables = describe_in_isolation(models, tree / os.path.relpath(project, repo.resolve()))
    return Release(f"previous release ({ref})", tables, heads)


def from_models(spec: str, heads: tuple[str, ...] | None = None) -> Release:
    """A release described by an importable ``module:Base``."""
    return Release(f"previous release ({spec})", describe_in_isolation(spec), heads)


def current(models: Any) -> Release:
    """The release under test, from its loaded models."""
    from .compat import describe

    return Release("this release", describe(models), None)
