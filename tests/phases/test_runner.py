"""The phase runner on real databases: phase-major order, version table, state, failures."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.util import CommandError
from sqlalchemy import create_engine, text

from .conftest import current_heads, log_entries, state_rows, three_phased_project

EXPANDS = ["r1:expand", "r2:expand", "r3:expand"]
MIGRATES = ["r1:migrate", "r2:migrate", "r3:migrate"]
CONTRACTS = ["r1:contract", "r2:contract", "r3:contract"]


def test_phase_major_order_version_table_and_state(tmp_path: Path, any_url: str) -> None:
    cfg = three_phased_project(tmp_path, any_url)

    command.upgrade(cfg, "zdm-phase:1")
    assert log_entries(any_url) == EXPANDS
    assert current_heads(any_url) == ["items"]  # no phased revision is complete yet
    state = state_rows(any_url)
    assert {k: v for k, v in state.items() if k[0].startswith("r") and k[0] != "r0"} == {
        ("r1", "expand"): "done",
        ("r2", "expand"): "done",
        ("r3", "expand"): "done",
    }
    # the plain revisions before them ran through Alembic too and are recorded
    assert state[("r0", "expand")] == "done"

    command.upgrade(cfg, "zdm-phase:2")
    assert log_entries(any_url) == EXPANDS + MIGRATES
    assert current_heads(any_url) == ["items"]
    assert state_rows(any_url)[("r3", "migrate")] == "done"

    command.upgrade(cfg, "head")
    assert log_entries(any_url) == EXPANDS + MIGRATES + CONTRACTS
    assert current_heads(any_url) == ["r3"]
    assert all(v == "done" for v in state_rows(any_url).values())

    # nothing left: a second head run re-runs nothing
    command.upgrade(cfg, "head")
    assert log_entries(any_url) == EXPANDS + MIGRATES + CONTRACTS


def test_phase_names_are_targets_too(tmp_path: Path, any_url: str) -> None:
    cfg = three_phased_project(tmp_path, any_url)
    command.upgrade(cfg, "zdm-phase:expand")
    assert log_entries(any_url) == EXPANDS
    command.upgrade(cfg, "zdm-phase:migrate")
    assert log_entries(any_url) == EXPANDS + MIGRATES
    command.upgrade(cfg, "zdm-phase:contract")
    assert current_heads(any_url) == ["r3"]


def test_failed_phase_is_rolled_back_and_rerun_continues(tmp_path: Path, any_url: str) -> None:
    cfg = three_phased_project(tmp_path, any_url, fail_flag=True)
    command.upgrade(cfg, "zdm-phase:1")
    engine = create_engine(any_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE zdm_fail_flag (x INTEGER)"))

    with pytest.raises(CommandError) as err:
        command.upgrade(cfg, "zdm-phase:2")
    assert "migrate of r2" in str(err.value)
    assert "run the same command again" in str(err.value)
    # r1's migrate committed; r2's log insert was rolled back with its phase
    assert log_entries(any_url) == EXPANDS + ["r1:migrate"]
    state = state_rows(any_url)
    assert state[("r2", "migrate")] == "failed"
    assert state[("r1", "migrate")] == "done"
    assert ("r3", "migrate") not in state
    assert current_heads(any_url) == ["items"]

    with engine.begin() as conn:
        conn.execute(text("DROP TABLE zdm_fail_flag"))
    engine.dispose()
    command.upgrade(cfg, "head")
    assert log_entries(any_url) == EXPANDS + MIGRATES + CONTRACTS
    assert state_rows(any_url)[("r2", "migrate")] == "done"
    assert current_heads(any_url) == ["r3"]


def test_downgrade_undoes_completed_phases_in_reverse(tmp_path: Path, any_url: str) -> None:
    cfg = three_phased_project(tmp_path, any_url)
    command.upgrade(cfg, "head")
    before = len(log_entries(any_url))

    command.downgrade(cfg, "items")
    undone = log_entries(any_url)[before:]
    assert undone == [
        "r3:undo_contract",
        "r2:undo_contract",
        "r1:undo_contract",
        "r3:undo_migrate",
        "r2:undo_migrate",
        "r1:undo_migrate",
        "r3:undo_expand",
        "r2:undo_expand",
        "r1:undo_expand",
    ]
    assert current_heads(any_url) == ["items"]
    state = state_rows(any_url)
    assert state[("r1", "expand")] == "rolled_back"
    # the columns added in expand are gone again
    engine = create_engine(any_url)
    from sqlalchemy import inspect

    with engine.connect() as conn:
        cols = {c["name"] for c in inspect(conn).get_columns("items")}
    engine.dispose()
    assert cols == {"id"}

    # and the revisions can be applied again afterwards
    command.upgrade(cfg, "head")
    assert current_heads(any_url) == ["r3"]


def test_rollback_undoes_only_in_flight_phases(tmp_path: Path, any_url: str) -> None:
    from alembic_zdm.phases.commands import rollback

    cfg = three_phased_project(tmp_path, any_url)
    command.upgrade(cfg, "zdm-phase:2")
    steps = rollback(cfg)
    assert [s.describe().split(" (")[0] for s in steps] == [
        "undo migrate of r3",
        "undo migrate of r2",
        "undo migrate of r1",
        "undo expand of r3",
        "undo expand of r2",
        "undo expand of r1",
    ]
    assert current_heads(any_url) == ["items"]
    assert rollback(cfg) == []


def test_downgrade_to_phase_keeps_lower_phases(tmp_path: Path, any_url: str) -> None:
    cfg = three_phased_project(tmp_path, any_url)
    command.upgrade(cfg, "zdm-phase:2")
    before = len(log_entries(any_url))
    command.downgrade(cfg, "zdm-phase:1")
    assert log_entries(any_url)[before:] == [
        "r3:undo_migrate",
        "r2:undo_migrate",
        "r1:undo_migrate",
    ]
    state = state_rows(any_url)
    assert state[("r1", "expand")] == "done"
    assert state[("r1", "migrate")] == "rolled_back"
    # migrate runs again on the next upgrade
    command.upgrade(cfg, "head")
    assert log_entries(any_url)[-6:] == MIGRATES + CONTRACTS


@pytest.mark.parametrize("target", ["zdm-phase:0", "zdm-phase:9", "zdm-phase:foo", "zdm-phase:"])
def test_bad_targets_raise_one_line_and_run_nothing(
    tmp_path: Path, sqlite_url: str, target: str
) -> None:
    cfg = three_phased_project(tmp_path, sqlite_url)
    with pytest.raises(CommandError) as err:
        command.upgrade(cfg, target)
    message = str(err.value)
    assert "\n" not in message
    assert "zdm-phase:1" in message and repr(target) in message
    engine = create_engine(sqlite_url)
    from sqlalchemy import inspect

    with engine.connect() as conn:
        assert inspect(conn).get_table_names() == []
    engine.dispose()


def test_transaction_per_migration_env(tmp_path: Path, pg_url: str) -> None:
    cfg = three_phased_project(tmp_path, pg_url, extra=", transaction_per_migration=True")
    command.upgrade(cfg, "zdm-phase:2")
    assert log_entries(pg_url) == EXPANDS + MIGRATES
    command.upgrade(cfg, "head")
    assert current_heads(pg_url) == ["r3"]


def test_on_version_apply_fires_when_a_revision_completes(tmp_path: Path, sqlite_url: str) -> None:
    applied: list[str] = []
    cfg = three_phased_project(
        tmp_path,
        sqlite_url,
        extra=", on_version_apply=lambda ctx, step, heads, run_args: __import__('os').environ.__setitem__('ZDM_APPLIED', os_applied(step))",
    )
    env = tmp_path / "migrations" / "env.py"
    env.write_text(
        "import os\n"
        "def os_applied(step):\n"
        "    return os.environ.get('ZDM_APPLIED', '') + step.up_revision_id + ','\n"
        + env.read_text()
    )
    import os

    os.environ.pop("ZDM_APPLIED", None)
    command.upgrade(cfg, "zdm-phase:2")
    applied = os.environ.get("ZDM_APPLIED", "").strip(",").split(",")
    assert applied == ["r0", "items"]
    command.upgrade(cfg, "head")
    applied = os.environ.pop("ZDM_APPLIED", "").strip(",").split(",")
    assert applied == ["r0", "items", "r1", "r2", "r3"]


CONFLICT_A = """
def expand():
    op.add_column("items", sa.Column("legacy", sa.Integer, nullable=True))

def contract():
    op.drop_column("items", "legacy")
"""

CONFLICT_B = """
def expand():
    op.add_column("items", sa.Column("legacy", sa.Text, nullable=True))
"""


def test_contract_then_expand_of_same_column_is_refused(tmp_path: Path, sqlite_url: str) -> None:
    from alembic_zdm.testing.project import make_project

    from .conftest import ITEMS

    cfg = make_project(tmp_path, sqlite_url, [("items", ITEMS), ("ca", CONFLICT_A)])
    command.upgrade(cfg, "zdm-phase:1")
    from alembic_zdm.testing.project import write_revision

    write_revision(tmp_path, "cb", "ca", CONFLICT_B)
    with pytest.raises(CommandError) as err:
        command.upgrade(cfg, "head")
    assert str(err.value) == (
        "Revision ca's contract phase and revision cb's expand phase both change items.legacy, "
        "and phase-major order would run the expand first: deploy them apart (upgrade to ca "
        "first, then to the later revision)."
    )
    # nothing ran; deploying them apart works
    assert state_rows(sqlite_url).get(("cb", "expand")) is None
    command.upgrade(cfg, "ca")
    command.upgrade(cfg, "head")
    assert current_heads(sqlite_url) == ["cb"]


def test_relative_targets_with_revisions_in_flight(tmp_path: Path, sqlite_url: str) -> None:
    cfg = three_phased_project(tmp_path, sqlite_url)
    command.upgrade(cfg, "zdm-phase:1")
    command.upgrade(cfg, "+1")  # finishes r1 only
    assert current_heads(sqlite_url) == ["r1"]
    assert log_entries(sqlite_url) == EXPANDS + ["r1:migrate", "r1:contract"]
    before = len(log_entries(sqlite_url))
    command.downgrade(cfg, "-1")  # the newest in-flight revision only
    assert current_heads(sqlite_url) == ["r1"]
    assert log_entries(sqlite_url)[before:] == ["r3:undo_expand"]
    command.downgrade(cfg, "-2")  # in-flight r2, then the applied r1
    assert current_heads(sqlite_url) == ["items"]
    assert log_entries(sqlite_url)[before + 1 :] == [
        "r1:undo_contract",
        "r1:undo_migrate",
        "r2:undo_expand",
        "r1:undo_expand",
    ]
