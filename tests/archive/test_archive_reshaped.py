"""Type changes and splits keep the old values too: the undo of their contract gives
every row that existed at contract time its exact old value back, even where the
backward conversion is lossy (text ``'007'`` → integer 7 → back ``'7'``; a name
without a space split and joined again), and the backward conversion only to rows
written after the contract. Writers run through every step, on all three databases.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic import command

from alembic_zdm.archive import list_archives
from alembic_zdm.testing.load import AppWriter, running
from alembic_zdm.testing.project import make_project

from . import scenario

ROWS = 1200

SETUP = f"""
def upgrade():
    codes = op.create_table(
        "codes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(20), nullable=True),
        sa.Column("label", sa.String(40), nullable=True),
    )
    op.bulk_insert(codes, [
        {{"code": None if i % 13 == 0 else f"{{i % 200:03d}}", "label": f"l{{i}}"}}
        for i in range(1, {ROWS} + 1)
    ])
    people = op.create_table(
        "people",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(60), nullable=True),
    )
    op.bulk_insert(people, [
        {{"name": f"solo{{i}}" if i % 3 == 0 else f"ann{{i}} lee{{i}}"}}
        for i in range(1, {ROWS} + 1)
    ])

def downgrade():
    op.drop_table("people")
    op.drop_table("codes")
"""

_SPLIT = {
    "postgresql": ("split_part(name, ' ', 1)", "split_part(name, ' ', 2)", "first || ' ' || last"),
    "sqlite": (
        "substr(name, 1, instr(name, ' ') - 1)",
        "substr(name, instr(name, ' ') + 1)",
        "first || ' ' || last",
    ),
    "mysql": (
        "SUBSTRING_INDEX(name, ' ', 1)",
        "SUBSTRING_INDEX(name, ' ', -1)",
        "CONCAT(first, ' ', last)",
    ),
}


def _change(db: str) -> str:
    first, last, back = _SPLIT[db]
    return f"""
def expand():
    op.safe_change_column_type("codes", "code", sa.Integer())
    op.split_column(
        "people", "name",
        [sa.Column("first", sa.String(60)), sa.Column("last", sa.String(60))],
        forward={{"first": {first!r}, "last": {last!r}}},
        backward={back!r},
    )
"""


def _db(url: str) -> str:
    return "postgresql" if url.startswith("postgresql") else url.split(":")[0].split("+")[0]


@pytest.mark.parametrize("db", ["pg_url", "mysql_url", "sqlite_url"])
def test_lossy_undo_gives_the_exact_old_values_back(
    tmp_path: Path, db: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue(db)
    cfg = make_project(tmp_path, url, [("setup", SETUP), ("change", _change(_db(url)))])
    command.upgrade(cfg, "zdm-phase:2")
    codes = scenario.rows(url, "codes", ["code"])
    names = scenario.rows(url, "people", ["name"])
    assert codes[7] == ("007",) and names[3] == ("solo3",)

    labels = AppWriter(url, "codes", {"label": lambda n: f"c{n}"}, name="label")
    with running(labels):  # contract: archive copy, swap, drop, with writes going on
        labels.advance()
        command.upgrade(cfg, "head")
        labels.advance()
    assert labels.errors == []
    assert scenario.rows(url, "codes", ["code"])[7] == (7,)
    kept = {e.source: e for e in list_archives(cfg)}
    assert set(kept) == {"codes.code", "people.name"}
    assert kept["codes.code"].rows >= ROWS and kept["people.name"].rows == ROWS

    # the new release writes the new shapes: these rows come back by the backward way
    new_codes = AppWriter(url, "codes", {"code": lambda n: 5000 + n}, name="codes", rows=[1, 2, 7])
    new_people = AppWriter(
        url, "people", {"first": lambda n: f"p{n}", "last": lambda n: f"q{n}"},
        name="people", rows=[3, 4],
    )  # fmt: skip
    with running(new_codes, new_people):
        new_codes.advance()
        new_people.advance()
    assert new_codes.errors == [] and new_people.errors == []

    later = AppWriter(url, "codes", {"label": lambda n: f"d{n}"}, name="later")
    with running(later):  # undo: backward conversion, exact values, swap back
        later.advance()
        command.downgrade(cfg, "setup")
        later.advance()
    assert later.errors == []

    want_codes: dict[Any, tuple[Any, ...]] = {**codes}
    want_codes.update({k: (None,) for k in [*labels.inserted, *later.inserted]})
    want_codes.update({k: (str(v["code"]),) for k, v in new_codes.expected.items()})
    assert scenario.rows(url, "codes", ["code"]) == want_codes
    assert {1, 2, 7} & set(new_codes.expected) and want_codes[8] == ("008",)

    want_names = {**names}
    want_names.update({k: (f"{v['first']} {v['last']}",) for k, v in new_people.expected.items()})
    assert scenario.rows(url, "people", ["name"]) == want_names
    assert want_names[6] == ("solo6",)
    assert list_archives(cfg) == []


def _kill_copy_at(monkeypatch: pytest.MonkeyPatch, batch: int) -> None:
    """The archive copy's *batch*-th batch is killed (a real kill: nothing catches it)."""
    from alembic_zdm.archive import copy
    from alembic_zdm.phases.progress import SimulatedKill

    real = copy._Batches._one
    calls = {"n": 0}

    def one(self: Any, *args: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == batch:
            raise SimulatedKill
        return real(self, *args)

    monkeypatch.setattr(copy._Batches, "_one", one)


@pytest.mark.parametrize("db", ["pg_url", "mysql_url", "sqlite_url"])
def test_killed_copy_resumes_and_kill_before_the_drop_reruns(
    tmp_path: Path, db: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alembic_zdm.phases import commands
    from alembic_zdm.phases.progress import SimulatedKill, arm_kill

    url = request.getfixturevalue(db)
    cfg = make_project(tmp_path, url, [("setup", SETUP), ("change", _change(_db(url)))])
    cfg.cmd_opts = type("Opts", (), {"x": ["zdm_backfill_batch_size=500"]})()
    command.upgrade(cfg, "zdm-phase:2")
    codes = scenario.rows(url, "codes", ["code"])
    names = scenario.rows(url, "people", ["name"])

    with monkeypatch.context() as m:  # killed in the middle of the first copy
        _kill_copy_at(m, 2)
        with pytest.raises(SimulatedKill):
            command.upgrade(cfg, "head")
    assert scenario.rows(url, "codes", ["code"]) == codes  # nothing dropped yet
    arm_kill(1, "before", match="DROP TRIGGER")  # the copies done, before the first drop
    try:
        with pytest.raises(SimulatedKill):
            command.upgrade(cfg, "head")
    finally:
        arm_kill(0)
    command.upgrade(cfg, "head")  # the re-run finishes: copies resumed, nothing twice
    kept = {e.source: e for e in list_archives(cfg)}
    assert (kept["codes.code"].rows, kept["people.name"].rows) == (ROWS, ROWS)

    commands.rollback(cfg)  # nothing in flight: a no-op
    command.downgrade(cfg, "setup")
    assert scenario.rows(url, "codes", ["code"]) == codes
    assert scenario.rows(url, "people", ["name"]) == names
    assert list_archives(cfg) == []
