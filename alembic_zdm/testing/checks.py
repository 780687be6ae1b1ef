"""The built-in migration checks. Add them to a project with one file::

    # tests/test_migrations.py
    from alembic_zdm.testing.checks import *  # noqa: F403

Each is an ordinary pytest test using the fixtures of
:mod:`alembic_zdm.testing.pytest_plugin`. docs/testing.md lists them beside
pytest-alembic's built-in tests.
"""

from __future__ import annotations

from typing import Any

import pytest

__all__ = [
    "test_zdm_lint_new_revisions",
    "test_zdm_models_match_head",
    "test_zdm_phase_round_trips",
    "test_zdm_previous_release_compatible",
    "test_zdm_single_head",
    "test_zdm_upgrade_head",
]


def test_zdm_single_head(zdm_alembic_config: Any) -> None:
    """The history has exactly one head (a forgotten merge revision fails here)."""
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(zdm_alembic_config).get_heads()
    if len(heads) != 1:
        pytest.fail(
            f"The history has {len(heads)} heads ({', '.join(sorted(heads))}); "
            "merge them with `alembic merge heads`.",
            pytrace=False,
        )


def test_zdm_upgrade_head(zdm_config: Any) -> None:
    """base → head phase-major (expand, migrate, contract) on an empty database."""
    from alembic import command

    command.upgrade(zdm_config, "zdm-phase:1")
    command.upgrade(zdm_config, "zdm-phase:2")
    command.upgrade(zdm_config, "heads")


def test_zdm_phase_round_trips(zdm_config: Any, zdm_database: str) -> None:
    """Every phase of every revision (plain ones too) is undone back to the schema before it."""
    from .deploy import round_trips

    failures = round_trips(zdm_config, zdm_database)
    if failures:
        pytest.fail(str(failures[0]), pytrace=False)


def test_zdm_models_match_head(zdm_config: Any, zdm_database: str, zdm_models: Any) -> None:
    """After ``upgrade head`` the schema is what the models describe (autogenerate finds nothing)."""
    if zdm_models is None:
        pytest.skip("alembic-zdm: no models configured (--zdm-models or the 'models' setting)")
    import sqlalchemy as sa
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from ..config import load_settings

    command.upgrade(zdm_config, "heads")
    metadata = getattr(zdm_models, "metadata", zdm_models)
    ignored = {"alembic_version", load_settings(zdm_config).state_table}
    engine = sa.create_engine(zdm_database, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn,
                opts={
                    "include_name": lambda name, kind, parent: (
                        not (kind == "table" and name in ignored)
                    )
                },
            )
            diff = compare_metadata(ctx, metadata)
    finally:
        engine.dispose()
    if diff:
        pytest.fail(f"The models and the migrated schema differ: {diff[:5]}", pytrace=False)


def test_zdm_previous_release_compatible(
    zdm_config: Any, zdm_database: str, zdm_models: Any, zdm_previous_release: Any
) -> None:
    """The previous release's statements work after every expand and migrate step; this
    release's after migrate and after every contract step."""
    if zdm_previous_release is None:
        pytest.skip(
            "alembic-zdm: no previous release (--zdm-previous-ref or --zdm-previous-models)"
        )
    from alembic import command

    from .compat import check
    from .deploy import deploy_steps
    from .release import current

    start = zdm_previous_release.heads or ()
    if start:
        command.upgrade(zdm_config, ",".join(start) if len(start) > 1 else start[0])
    problems: list[str] = []

    def run(release: Any, where: str) -> None:
        for failure in check(zdm_database, release.tables):
            problems.append(f"{release.name}, {where}: {failure}")

    run(zdm_previous_release, "before the deploy")
    new = current(zdm_models) if zdm_models is not None else None
    migrated = False
    for step in deploy_steps(zdm_config, start):
        if step.phase.label == "contract":
            if new is not None and not migrated:
                run(new, "after the last migrate step")
            migrated = True
            if new is not None:
                run(new, f"after the {step.label}")
        else:
            run(zdm_previous_release, f"after the {step.label}")
    if new is not None and not migrated:
        run(new, "after the deploy")
    if problems:
        pytest.fail("\n".join(problems[:20]), pytrace=False)


def test_zdm_lint_new_revisions(pytestconfig: pytest.Config, zdm_alembic_config: Any) -> None:
    """Lint findings at or above the fail level in the revisions (new since the previous ref)."""
    from pathlib import Path

    from alembic.script import ScriptDirectory

    from ..lint import api, settings
    from ..lint.registry import all_rules
    from .pytest_plugin import option

    project = Path(str(zdm_alembic_config.config_file_name)).resolve().parent
    lint_settings, _ = settings.load(project, all_rules())
    versions = Path(ScriptDirectory.from_config(zdm_alembic_config).versions)
    result = api.lint(
        api.LintOptions(
            paths=[versions], since=option(pytestconfig, "zdm-previous-ref"), root=project
        ),
        lint_settings,
    )
    bad = [f for f in result.findings if f.severity >= result.fail_level]
    if bad:
        pytest.fail(
            "\n".join(f"{f.path}:{f.line}: {f.rule} {f.message}" for f in bad[:20]), pytrace=False
        )
