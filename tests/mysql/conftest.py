"""MySQL/MariaDB tests: every op registered, on the machine's server (``mysql_url``)."""

from __future__ import annotations

from alembic_zdm.ops import register_all

register_all()
