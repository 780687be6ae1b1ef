"""SQLite tests: every op registered."""

from __future__ import annotations

from alembic_zdm.ops import register_all

register_all()
