"""Refuse to drop what the running application still maps (DESIGN §9).

With ``models = "myapp.models:Base"`` in the settings, a contract step that drops or
renames a column or a table first imports the models and looks for a mapped class
whose table is that table (and, for a column, an attribute mapped to that column).
A hit raises :class:`~alembic_zdm.errors.ModelsCheckError` naming the class and
attribute; ``force`` (``--force`` / ``-x zdm_force=true``) lets it through with a
logged warning. ``Base`` may also be a ``MetaData`` (then only tables are known).
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from .config import ZdmSettings
from .errors import ConfigError, ModelsCheckError

log = logging.getLogger("alembic.zdm.models")


def load_models(spec: str) -> Any:
    """Import ``module:attribute`` (``attribute`` may be dotted)."""
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise ConfigError(f"Setting models = {spec!r} must look like 'package.module:Base'.")
    try:
        obj: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(
            f"Cannot load the models {spec!r} named in the settings ({exc}); fix the setting "
            f"or make the module importable from where alembic runs."
        ) from exc
    return obj


def _same_table(table: Any, name: str, schema: str | None) -> bool:
    return bool(table.name == name and (schema is None or table.schema in (None, schema)))


def find_usage(models: Any, table: str, column: str | None, schema: str | None) -> str | None:
    """``"User.email"`` / ``"User"`` / ``"table users"`` if *models* map it, else ``None``."""
    registry = getattr(models, "registry", None)
    for mapper in getattr(registry, "mappers", ()):
        for mapped in mapper.tables:
            if not _same_table(mapped, table, schema):
                continue
            cls: str = mapper.class_.__name__
            if column is None:
                return cls
            for prop in mapper.column_attrs:
                if any(
                    getattr(c, "name", None) == column and getattr(c, "table", None) is mapped
                    for c in prop.columns
                ):
                    return f"{cls}.{prop.key}"
    metadata = getattr(models, "metadata", models)
    for mapped in getattr(metadata, "tables", {}).values():
        if _same_table(mapped, table, schema) and (column is None or column in mapped.c):
            return f"table {mapped.name}" + (f" column {column}" if column else "")
    return None


def check_models(
    settings: ZdmSettings,
    table: str,
    column: str | None = None,
    schema: str | None = None,
    action: str = "drop",
) -> None:
    """Raise if the configured models still map *table* (or *table.column*)."""
    if not settings.models:
        return
    usage = find_usage(load_models(settings.models), table, column, schema)
    if usage is None:
        return
    target = f"column {table}.{column}" if column else f"table {table}"
    if settings.force:
        log.warning("force: %s %s although the models still map it as %s", action, target, usage)
        return
    raise ModelsCheckError(
        f"Refusing to {action} {target}: the models ({settings.models}) still map it as {usage}; "
        f"deploy code that no longer uses it first, or pass --force (-x zdm_force=true)."
    )
