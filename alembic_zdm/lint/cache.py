"""Per-file result cache: findings keyed by content hash, settings and linter version.

One JSON file per (linter version, settings) pair under ``.alembic_zdm_cache/``
maps the BLAKE2 hash of each file's bytes to its findings, so a warm run only reads
and hashes the files. Findings depend on nothing but the file and the settings.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from .. import __version__
from .model import Finding, Severity

CACHE_DIR_NAME = ".alembic_zdm_cache"
_Row = list[Any]


def digest(data: bytes, sql: bool) -> str:
    """Key of one file's content."""
    return ("s" if sql else "p") + hashlib.blake2b(data, digest_size=16).hexdigest()


class ResultCache:
    """Load once, look up per file, save once."""

    def __init__(self, directory: Path, settings_key: str) -> None:
        self.directory = directory
        self.path = directory / f"lint-{__version__}-{settings_key}.json"
        self.entries: dict[str, list[_Row]] = {}
        self.dirty = False
        with contextlib.suppress(OSError, ValueError):
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(data, dict):
                self.entries = data

    def get(self, key: str, path: str) -> list[Finding] | None:
        """Cached findings of a file's content, with *path* filled in."""
        rows = self.entries.get(key)
        if rows is None:
            return None
        return [
            Finding(
                path,
                int(r[0]),
                int(r[1]),
                str(r[2]),
                str(r[3]),
                str(r[4]),
                Severity(r[5]),
                (int(r[6]), int(r[7])),
            )
            for r in rows
        ]

    def put(self, key: str, findings: list[Finding]) -> None:
        """Remember the findings of a file's content."""
        self.entries[key] = [
            [f.line, f.col, f.rule, f.message, f.help, int(f.severity), f.span[0], f.span[1]]
            for f in findings
        ]
        self.dirty = True

    def save(self) -> None:
        """Write the cache atomically (best effort: a read-only folder just means no cache)."""
        if not self.dirty:
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            gitignore = self.directory / ".gitignore"
            if not gitignore.exists():
                gitignore.write_text("# Created by alembic-zdm lint\n*\n", encoding="utf-8")
            import tempfile  # only when writing: a warm run never needs it

            fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self.entries, fh, separators=(",", ":"))
            os.replace(tmp, self.path)
        except OSError:
            return
