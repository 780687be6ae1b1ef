"""alembic-zdm: zero-downtime schema changes for Alembic.

Importing this package is cheap on purpose: Alembic imports the plugin module on
every ``import alembic``. Heavy parts (linter, backfill, CLI) load lazily.

``alembic`` is imported first: it loads this plugin (which registers the
operations), so any ``alembic_zdm`` submodule imported on its own still finds the
package fully set up instead of a half-imported ``alembic_zdm.errors``.
"""

from __future__ import annotations

__version__ = "0.1.0"

import alembic  # noqa: F401  (see the module docstring)

__all__ = ["__version__"]
