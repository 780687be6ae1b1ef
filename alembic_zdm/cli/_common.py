"""Shared plumbing of the subcommands: building the Alembic ``Config``."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config


def make_config(args: argparse.Namespace) -> Config:
    """Build the Alembic ``Config`` the way the ``alembic`` script does (``-c``, ``-n``, ``-x``).

    With no ``-c`` and no ``alembic.ini`` in the working folder, the configuration
    comes from ``pyproject.toml`` (Alembic's own ``[tool.alembic]`` support).
    """
    from alembic.config import Config

    path = args.config or os.environ.get("ALEMBIC_CONFIG") or "alembic.ini"
    cmd_opts = argparse.Namespace(x=list(args.x or []), raiseerr=args.raiseerr)
    if not os.path.exists(path) and args.config is None:
        cfg = Config(ini_section=args.name, cmd_opts=cmd_opts, toml_file="pyproject.toml")
    else:
        cfg = Config(path, ini_section=args.name, cmd_opts=cmd_opts)
    return cfg


def project_config(args: argparse.Namespace) -> Config:
    """:func:`make_config`, refusing in one sentence a configuration without ``script_location``.

    The sentence names the file that was looked for, so a command run in the wrong
    folder says so instead of Alembic's "No 'script_location' key found".
    """
    from ..errors import ConfigError

    cfg = make_config(args)
    if cfg.get_main_option("script_location"):
        return cfg
    name = args.config or os.environ.get("ALEMBIC_CONFIG")
    if name and not os.path.exists(name):
        raise ConfigError(f"The Alembic config file {name!r} does not exist; fix the -c path.")
    if cfg.config_file_name:
        raise ConfigError(
            f"{cfg.config_file_name} has no script_location in its [{args.name}] section; "
            f"add one (e.g. script_location = %(here)s/migrations) or pass -c with the right file."
        )
    raise ConfigError(
        f"No alembic.ini in {os.getcwd()} and no [tool.alembic] script_location in a "
        "pyproject.toml there; run alembic-zdm in the folder of alembic.ini or pass "
        "-c path/to/alembic.ini."
    )
