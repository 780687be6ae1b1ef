"""Data kept before contract (DESIGN §13): archived tables and column values.

A contract step that drops a table moves it into the archive; one that drops a column
copies its values with the key first. Undoing the step restores them. The catalog
(:mod:`.catalog`) lists every archive; :mod:`.commands` lists, restores and purges them
for ``alembic-zdm archive``.
"""

from .catalog import ArchiveEntry
from .commands import list_archives, purge_archives, restore_archive

__all__ = ["ArchiveEntry", "list_archives", "purge_archives", "restore_archive"]
