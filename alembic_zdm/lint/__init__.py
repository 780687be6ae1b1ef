"""The safety linter of alembic-zdm (DESIGN §6).

extract (AST of revision files, raw SQL) → model → rules/<family>/<rule> → report.
Nothing here is imported by the plugin at ``import alembic`` time.
"""

from __future__ import annotations
