"""Extraction: revision files (AST) and SQL scripts → :class:`~alembic_zdm.lint.model.Revision`."""

from __future__ import annotations

from ..model import Revision
from ..target import Target


def extract(path: str, source: str, target: Target, *, sql: bool = False) -> Revision:
    """Read a revision file (or, with ``sql=True``, a SQL script) without running it."""
    if sql:
        from .script import extract_script

        return extract_script(path, source, target)
    from .python import PythonExtractor

    return PythonExtractor(path, source, target).run()
