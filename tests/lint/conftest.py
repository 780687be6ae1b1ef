"""Fixtures of the linter tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder, made the working directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ALEMBIC_ZDM_CACHE_DIR", raising=False)
    return tmp_path
