"""alembic-zdm: zero-downtime schema changes for Alembic.

Importing this package is cheap on purpose: Alembic imports the plugin module on
every ``import alembic``, and ``alembic-zdm lint`` needs neither Alembic nor
SQLAlchemy. Heavy parts (operations, runner, linter, backfill) load lazily.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
