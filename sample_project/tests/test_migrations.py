"""The sample project's migration checks: the one file a project adds (docs/testing.md).

Run: ``pytest sample_project/tests --zdm-config sample_project/alembic.ini``.
"""

from alembic_zdm.testing.checks import *  # noqa: F403
