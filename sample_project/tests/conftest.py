"""How a project points the alembic-zdm checks at itself (docs/testing.md).

The plugin's fixtures are overridden here instead of passing ``--zdm-config`` and
``--zdm-previous-models`` on every run: the Alembic config of this project, and the
previous release (its models, and the revision its database was at).
"""

from pathlib import Path
from typing import Any

import pytest
from alembic.config import Config

from alembic_zdm.testing.release import from_models


@pytest.fixture(scope="session")
def zdm_alembic_config() -> Config:
    return Config(str(Path(__file__).parents[1] / "alembic.ini"))


@pytest.fixture(scope="session")
def zdm_previous_release() -> Any:
    return from_models("sample_project.app.models_v1:Base", heads=("0001",))
