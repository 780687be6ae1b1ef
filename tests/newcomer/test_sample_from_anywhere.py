"""The sample project runs from its own folder and from the repository root, and
``-x zdm_phase=`` takes phase names as well as numbers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from alembic_zdm.config import load_settings
from alembic_zdm.errors import PhaseTargetError

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_project"


def _run(cwd: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("ALEMBIC_CONFIG", "PYTHONPATH")}
    env["DATABASE_URL"] = url
    return subprocess.run(list(args), cwd=cwd, capture_output=True, text=True, env=env, timeout=240)


def _phases_done(url: str) -> set[tuple[str, str]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT revision, phase_name FROM alembic_zdm_state WHERE status = 'done'")
            )
            return {(r[0], r[1]) for r in rows}
    finally:
        engine.dispose()


def test_sample_project_from_its_own_folder_and_from_the_root(pg_url: str) -> None:
    alembic = str(BIN / "alembic")
    inside = _run(SAMPLE, pg_url, alembic, "upgrade", "zdm-phase:1")
    assert inside.returncode == 0, inside.stderr
    assert "ModuleNotFoundError" not in inside.stderr
    assert ("0004", "expand") in _phases_done(pg_url)
    status = _run(SAMPLE, pg_url, str(BIN / "alembic-zdm"), "status")
    assert status.returncode == 0, status.stderr
    assert "0004" in status.stdout and "next: migrate" in status.stdout
    outside = _run(ROOT, pg_url, alembic, "-c", "sample_project/alembic.ini", "upgrade", "head")
    assert outside.returncode == 0, outside.stderr
    assert ("0004", "contract") in _phases_done(pg_url)
    current = _run(
        SAMPLE.parent.parent, pg_url, alembic, "-c", str(SAMPLE / "alembic.ini"), "current"
    )
    assert current.returncode == 0, current.stderr
    assert "0007 (head)" in current.stdout


def test_x_zdm_phase_takes_names_like_numbers(pg_url: str) -> None:
    alembic = str(BIN / "alembic")
    done = _run(SAMPLE, pg_url, alembic, "-x", "zdm_phase=expand", "upgrade", "head")
    assert done.returncode == 0, done.stderr
    phases = {phase for _, phase in _phases_done(pg_url)}
    assert phases == {"expand"}
    again = _run(SAMPLE, pg_url, alembic, "-x", "zdm_phase=Migrate", "upgrade", "head")
    assert again.returncode == 0, again.stderr
    assert {phase for _, phase in _phases_done(pg_url)} == {"expand", "migrate"}


@pytest.mark.parametrize(("given", "number"), [("expand", 1), ("2", 2), ("contract", 3)])
def test_phase_setting_parses_names_and_numbers(given: str, number: int) -> None:
    assert load_settings(x_args={"zdm_phase": given}, start=SAMPLE).phase == number


def test_a_phase_setting_that_names_no_phase_is_one_sentence() -> None:
    with pytest.raises(PhaseTargetError, match="is not a phase: use 1/expand"):
        load_settings(x_args={"zdm_phase": "deploy"}, start=SAMPLE)
