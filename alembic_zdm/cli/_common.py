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
