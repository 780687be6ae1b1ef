"""Where a project's revision files live, from its Alembic configuration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .settings import LintUsageError


def version_locations(config: Any) -> list[Path]:
    """The version folders of the Alembic ``Config`` (``version_locations`` or ``<script_location>/versions``)."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    if not config.get_main_option("script_location"):
        where = config.config_file_name or "pyproject.toml"
        raise LintUsageError(
            f"No PATH given and no script_location in {where}; pass the revision files or folders to lint, "
            "or run from the folder that holds alembic.ini."
        )
    try:
        script = ScriptDirectory.from_config(config)
    except CommandError as exc:
        raise LintUsageError(str(exc)) from None
    return [Path(p) for p in script._version_locations]
