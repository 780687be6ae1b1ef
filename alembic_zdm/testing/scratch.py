"""Scratch databases and configs pointed at them (trace, the pytest plugin)."""

from __future__ import annotations

import copy
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config


def scratch_config(config: Config, url: str) -> Config:
    """A copy of *config* whose ``sqlalchemy.url`` is *url* (the original is not changed)."""
    cfg = copy.copy(config)
    cfg.file_config = copy.deepcopy(config.file_config)
    cfg.attributes = dict(config.attributes)
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


@contextmanager
def fresh_database(server_url: str, prefix: str = "zdm_scratch") -> Iterator[str]:
    """A new, empty database on *server_url*'s server for the block; dropped afterwards.

    SQLite gets a new file in a temporary folder.
    """
    if server_url.startswith("sqlite"):
        with tempfile.TemporaryDirectory(prefix=f"{prefix}-") as folder:
            yield f"sqlite:///{os.path.join(folder, 'scratch.db')}"
        return
    from .databases import create_database, drop_database

    url = create_database(server_url, prefix=prefix)
    try:
        yield url
    finally:
        drop_database(url)
