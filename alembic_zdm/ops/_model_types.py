"""Column types for offline SQL when there is no database to read them from.

``alembic upgrade --sql`` has no catalog, yet a pattern op such as
``safe_rename_column`` must write the new column's type. The application's models
know it: the ``target_metadata`` env.py hands to ``context.configure`` (what
autogenerate reads), then the ``models`` setting (``package.module:Base``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ..config import ZdmSettings


def _metadatas(mc: Any, settings: ZdmSettings) -> Iterator[Any]:
    """Every ``MetaData`` in reach: env.py's ``target_metadata`` first, then ``models``."""
    target = mc.opts.get("target_metadata")
    for item in target if isinstance(target, (list, tuple)) else [target]:
        if item is not None:
            yield item
    if settings.models:
        from ..models_check import load_models

        models = load_models(settings.models)
        yield getattr(models, "metadata", models)


def model_type(
    mc: Any, settings: ZdmSettings, table: str, columns: Iterable[str], schema: str | None
) -> Any | None:
    """The type of the first of *columns* that the models define on *table*, else ``None``.

    :param mc: the running ``MigrationContext``.
    :param settings: the migration's settings (for ``models``).
    :param table: the table name as the revision writes it.
    :param columns: names to try in order (a rename's old name, then its new one).
    :param schema: the revision's schema, or ``None``.
    """
    wanted = list(columns)
    for metadata in _metadatas(mc, settings):
        tables = getattr(metadata, "tables", {})
        found = tables.get(f"{schema}.{table}" if schema else table)
        if found is None and schema:
            found = tables.get(table)
        if found is None:
            continue
        for name in wanted:
            if name in found.c:
                return found.c[name].type
    return None
