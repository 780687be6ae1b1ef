"""Settings precedence: defaults < pyproject < alembic.ini < -x < op keyword arguments."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from alembic.config import Config

from alembic_zdm.config import ZdmSettings, load_settings
from alembic_zdm.errors import ConfigError


def _project(tmp_path: Path, pyproject: str = "", ini_extra: str = "") -> Config:
    (tmp_path / "pyproject.toml").write_text(pyproject)
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n" + ini_extra)
    return Config(str(tmp_path / "alembic.ini"))


def test_defaults_when_nothing_is_configured(tmp_path: Path) -> None:
    settings = load_settings(_project(tmp_path))
    assert settings == ZdmSettings()
    assert settings.lock_timeout_ms == 500
    assert settings.retries == 10
    assert settings.retry_base_ms == 200
    assert settings.retry_cap_ms == 10_000


def test_each_level_overrides_the_one_below(tmp_path: Path) -> None:
    cfg = _project(
        tmp_path,
        pyproject="[tool.alembic_zdm]\nlock_timeout_ms = 700\nretries = 3\nbackfill_target_ms = 150\n"
        '[tool.alembic_zdm.lint]\ntarget = "postgresql>=15"\n',
        ini_extra="[alembic_zdm]\nlock_timeout_ms = 800\nretries = 4\n",
    )
    settings = load_settings(cfg)
    assert (settings.lock_timeout_ms, settings.retries, settings.backfill_target_ms) == (
        800,
        4,
        150,
    )
    assert settings.lint == {"target": "postgresql>=15"}

    cfg.cmd_opts = argparse.Namespace(x=["zdm_lock_timeout=900"])
    settings = load_settings(cfg)
    assert (settings.lock_timeout_ms, settings.retries) == (900, 4)

    op_level = settings.with_overrides(lock_timeout_ms=1000, retries=None)
    assert (op_level.lock_timeout_ms, op_level.retries) == (1000, 4)


def test_unknown_setting_is_one_clear_sentence(tmp_path: Path) -> None:
    cfg = _project(tmp_path, pyproject="[tool.alembic_zdm]\nlock_timout_ms = 700\n")
    with pytest.raises(ConfigError) as err:
        load_settings(cfg)
    assert str(err.value).startswith(
        "Unknown alembic-zdm setting 'lock_timout_ms' in pyproject.toml [tool.alembic_zdm]; known settings are:"
    )


def test_bad_value_names_setting_and_source(tmp_path: Path) -> None:
    cfg = _project(tmp_path, ini_extra="[alembic_zdm]\nretries = many\n")
    with pytest.raises(ConfigError) as err:
        load_settings(cfg)
    assert str(err.value) == (
        "Setting 'retries' from [alembic_zdm] of the ini file has the value 'many', which is not "
        "a valid int; fix it or remove it to use the default."
    )
