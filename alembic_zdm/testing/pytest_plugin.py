"""The alembic-zdm pytest plugin (entry point ``pytest11``): fixtures for migration tests.

A project gets the built-in checks by adding one file::

    # tests/test_migrations.py
    from alembic_zdm.testing.checks import *  # noqa: F403

Options (command line, or the same names without ``--`` under ``[tool.pytest.ini_options]``):

``--zdm-url``            server to create scratch databases on (default: ``$ZDM_TEST_PG_URL``,
                         else the embedded PostgreSQL of the ``demo`` extra)
``--zdm-config``         the project's ``alembic.ini`` (default: ``alembic.ini`` in the rootdir)
``--zdm-models``         ``module:Base`` of the models (default: the ``models`` setting)
``--zdm-previous-ref``   git ref of the previous release (``origin/main``): its models and heads
``--zdm-previous-models`` ``module:Base`` of the previous release's models, instead of a ref

Every test gets its own scratch database, so the checks run under pytest-xdist too.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_OPTIONS = (
    ("zdm-url", "server URL to create scratch databases on"),
    ("zdm-config", "the project's alembic.ini"),
    ("zdm-models", "module:Base of the current release's models"),
    ("zdm-previous-ref", "git ref of the previous release (its models and heads)"),
    ("zdm-previous-models", "module:Base of the previous release's models"),
)


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register ``--zdm-*`` options and their ini twins."""
    group = parser.getgroup("alembic-zdm", "alembic-zdm migration checks")
    for name, help_text in _OPTIONS:
        group.addoption(f"--{name}", default=None, help=help_text)
        parser.addini(name.replace("-", "_"), help_text, default=None)


def option(config: pytest.Config, name: str) -> str | None:
    """A ``--zdm-*`` option, else its ini value, else ``None``."""
    value = config.getoption(name.replace("-", "_"), default=None)
    if value:
        return str(value)
    ini = config.getini(name.replace("-", "_"))
    return str(ini) if ini else None


@pytest.fixture(scope="session")
def zdm_server_url(pytestconfig: pytest.Config) -> str:
    """The server scratch databases are created on."""
    url = option(pytestconfig, "zdm-url") or os.environ.get("ZDM_TEST_PG_URL")
    if url:
        return url
    try:
        from .databases import embedded_postgres_url

        return embedded_postgres_url()
    except Exception as exc:
        message = f"alembic-zdm: no database for migration checks ({exc}); pass --zdm-url."
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
        raise


@pytest.fixture(scope="session")
def zdm_alembic_config(pytestconfig: pytest.Config) -> Any:
    """The project's Alembic ``Config`` (never pointed at a database by the checks)."""
    from alembic.config import Config

    path = Path(option(pytestconfig, "zdm-config") or pytestconfig.rootpath / "alembic.ini")
    if not path.is_file():
        pytest.fail(f"alembic-zdm: no Alembic config at {path}; pass --zdm-config.", pytrace=False)
    return Config(str(path))


@pytest.fixture
def zdm_database(zdm_server_url: str) -> Iterator[str]:
    """A fresh, empty database for one test, dropped afterwards."""
    from .scratch import fresh_database

    with fresh_database(zdm_server_url, prefix="zdm_check") as url:
        yield url


@pytest.fixture
def zdm_config(zdm_alembic_config: Any, zdm_database: str) -> Any:
    """The project's config pointed at this test's scratch database."""
    from .scratch import scratch_config

    return scratch_config(zdm_alembic_config, zdm_database)


@pytest.fixture(scope="session")
def zdm_models(pytestconfig: pytest.Config, zdm_alembic_config: Any) -> Any:
    """The current release's models (``Base`` or ``MetaData``), or ``None`` if not configured."""
    from ..config import load_settings
    from ..models_check import load_models

    spec = option(pytestconfig, "zdm-models") or load_settings(zdm_alembic_config).models
    return load_models(spec) if spec else None


def _repo_root(path: Path) -> Path:
    out = subprocess.run(
        ["git", "-C", str(path), "rev-parse", "--show-toplevel"], capture_output=True, text=True
    )
    if out.returncode != 0:
        raise RuntimeError(f"{path} is not inside a git repository; --zdm-previous-ref needs one.")
    return Path(out.stdout.strip())


@pytest.fixture(scope="session")
def zdm_previous_release(pytestconfig: pytest.Config, zdm_alembic_config: Any) -> Any:
    """``Release`` of the previous version: its models and heads; ``None`` if not configured."""
    from .release import Release, at_ref, from_models

    ref = option(pytestconfig, "zdm-previous-ref")
    spec = option(pytestconfig, "zdm-previous-models")
    if ref:
        from ..config import load_settings

        models = (
            spec or option(pytestconfig, "zdm-models") or load_settings(zdm_alembic_config).models
        )
        if not models:
            pytest.fail(
                "alembic-zdm: --zdm-previous-ref needs the models' module (--zdm-models or "
                "the 'models' setting).",
                pytrace=False,
            )
        root = _repo_root(Path(str(zdm_alembic_config.config_file_name)).parent)
        release: Release = at_ref(zdm_alembic_config, str(models), ref, root)
        return release
    if spec:
        return from_models(spec)
    return None
