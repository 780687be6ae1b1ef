"""Creating environments with the phase-aware template (``alembic-zdm init``)."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigError

if TYPE_CHECKING:
    from alembic.config import Config

TEMPLATE_NAME = "script.py.mako"


def template_text() -> str:
    """The phase-aware ``script.py.mako`` shipped with the package."""
    return (resources.files("alembic_zdm") / "templates" / "zdm" / TEMPLATE_NAME).read_text()


def init_new(directory: str, ini_path: str = "alembic.ini") -> list[str]:
    """``alembic init`` (generic template), then install the phase-aware template."""
    from alembic import command
    from alembic.config import Config

    if Path(directory).exists() and any(Path(directory).iterdir()):
        raise ConfigError(
            f"Directory {directory!r} already exists and is not empty; choose a new folder, "
            "or run 'alembic-zdm init --existing' in a project that already has one."
        )
    config = Config(ini_path)
    command.init(config, directory, template="generic")
    (Path(directory) / TEMPLATE_NAME).write_text(template_text())
    return [
        f"Created an Alembic environment in {directory} with the phase-aware revision template.",
        "Next: set sqlalchemy.url in the ini file (or read it in env.py), then",
        "  alembic revision -m 'first change'   # writes expand()/migrate()/contract()",
    ]


def init_existing(config: Config) -> list[str]:
    """Add the phase-aware template to the project's environment, backing up the old one."""
    location = config.get_alembic_option("script_location")
    if not location:
        raise ConfigError(
            "No script_location in the Alembic configuration; run this in the folder of "
            "alembic.ini (or pass -c), or use 'alembic-zdm init DIR' for a new environment."
        )
    folder = Path(location.replace("%(here)s", str(Path(config.config_file_name or ".").parent)))
    if not folder.is_absolute() and config.config_file_name:
        folder = Path(config.config_file_name).resolve().parent / folder
    if not folder.is_dir():
        raise ConfigError(
            f"script_location {location!r} is not a folder; fix the Alembic configuration."
        )
    target = folder / TEMPLATE_NAME
    lines = []
    if target.exists():
        if target.read_text() == template_text():
            return [
                f"{target.name} in {location} is already the phase-aware template; nothing to do."
            ]
        backup = target.with_name(TEMPLATE_NAME + ".bak")
        n = 1
        while backup.exists():
            backup = target.with_name(f"{TEMPLATE_NAME}.bak{n}")
            n += 1
        shutil.copy2(target, backup)
        lines.append(f"Backed up the old template to {backup.name}.")
    target.write_text(template_text())
    lines += [
        f"Installed the phase-aware {TEMPLATE_NAME} in {location}.",
        "Existing revisions keep working: a plain upgrade() counts as one expand step.",
        "Still to do:",
        "  - new revisions ('alembic revision -m ...') now have expand()/migrate()/contract();",
        "  - deploy with 'alembic upgrade zdm-phase:2' before the new code, 'alembic upgrade head' after;",
        "  - add 'alembic-zdm lint' to CI (see docs/lint.md).",
    ]
    return lines
