"""Events of a run: order, payloads, failing listeners, the audit log (DESIGN §13)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.util import CommandError

from alembic_zdm import events
from alembic_zdm.events import Event

from .conftest import three_phased_project

BACKFILL = """
def expand():
    op.add_column("items", sa.Column("label", sa.Text(), nullable=True))

def migrate():
    op.backfill("items", set={"label": "'x'"}, batch_size=2)

def undo_expand():
    op.drop_column("items", "label")
"""


@pytest.fixture
def collected() -> list[Event]:
    seen: list[Event] = []
    events.add_listener(seen.append)
    yield seen
    events.remove_listener(seen.append)


def _names(seen: list[Event]) -> list[tuple[str, str | None, str | None, bool]]:
    return [(e.name, e.revision, e.phase, e.undo) for e in seen]


def test_upgrade_emits_start_steps_and_complete_in_order(
    tmp_path: Path, any_url: str, collected: list[Event]
) -> None:
    cfg = three_phased_project(tmp_path, any_url)
    command.upgrade(cfg, "zdm-phase:1")
    names = _names(collected)
    assert names[0] == ("migration:start", None, None, False)
    assert names[-1] == ("migration:complete", None, None, False)
    steps = [n for n in names if n[0].startswith("step:")]
    # every expand, each start directly followed by its complete, in revision order
    for rev in ("r1", "r2", "r3"):
        i = steps.index(("step:start", rev, "expand", False))
        assert steps[i + 1] == ("step:complete", rev, "expand", False)
    complete = [e for e in collected if e.name == "step:complete"]
    assert all(e.duration_s is not None and e.duration_s >= 0 for e in complete)
    assert collected[-1].reason == "ok"
    assert collected[0].command == "upgrade" and collected[0].data["target"] == "zdm-phase:1"


def test_failure_emits_error_then_failed_complete(
    tmp_path: Path, pg_url: str, collected: list[Event]
) -> None:
    cfg = three_phased_project(tmp_path, pg_url, fail_flag=True)
    command.upgrade(cfg, "zdm-phase:1")
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE zdm_fail_flag (id int)"))
    engine.dispose()
    collected.clear()
    with pytest.raises(CommandError):
        command.upgrade(cfg, "zdm-phase:2")
    names = _names(collected)
    assert ("step:complete", "r1", "migrate", False) in names
    error = [e for e in collected if e.name == "error"]
    assert len(error) == 1, names  # the step's error, not reported twice by the run
    assert (error[0].revision, error[0].phase) == ("r2", "migrate")
    assert "no_such_table" in (error[0].reason or "")
    assert names[-1][0] == "migration:complete" and collected[-1].reason == "failed"
    assert ("step:start", "r3", "migrate", False) not in names


def test_rollback_emits_undo_steps_and_rollback_complete(
    tmp_path: Path, pg_url: str, collected: list[Event]
) -> None:
    from alembic_zdm.phases.commands import rollback

    cfg = three_phased_project(tmp_path, pg_url)
    command.upgrade(cfg, "zdm-phase:2")
    collected.clear()
    rollback(cfg)
    names = _names(collected)
    assert collected[0].command == "rollback"
    undo = [n for n in names if n[0] == "step:complete"]
    assert undo[0] == ("step:complete", "r3", "migrate", True)  # newest migrate first
    assert undo[-1] == ("step:complete", "r1", "expand", True)
    assert names[-2][0] == "rollback:complete" and names[-1][0] == "migration:complete"
    assert len(collected[-2].data["steps"]) == 6


def test_backfill_progress_events_belong_to_their_step(
    tmp_path: Path, pg_url: str, collected: list[Event]
) -> None:
    from alembic_zdm.testing.project import make_project

    items = (
        "def upgrade():\n"
        "    op.create_table('items', sa.Column('id', sa.Integer, primary_key=True))\n"
        "    op.execute('INSERT INTO items (id) SELECT g FROM generate_series(1, 9) g')\n"
        "def downgrade():\n    op.drop_table('items')\n"
    )
    cfg = make_project(tmp_path, pg_url, [("items", items), ("b1", BACKFILL)])
    command.upgrade(cfg, "head")
    progress = [e for e in collected if e.name == "backfill:progress"]
    assert progress, _names(collected)
    assert {(e.revision, e.phase) for e in progress} == {("b1", "migrate")}
    assert progress[-1].rows == 9 and progress[-1].data["done"] is True
    start = _names(collected).index(("step:start", "b1", "migrate", False))
    done = _names(collected).index(("step:complete", "b1", "migrate", False))
    assert all(start < collected.index(e) < done for e in progress)


def test_failing_listener_never_breaks_the_run(
    tmp_path: Path, sqlite_url: str, collected: list[Event]
) -> None:
    def broken(event: Event) -> None:
        raise RuntimeError("listener bug")

    events.add_listener(broken)
    try:
        cfg = three_phased_project(tmp_path, sqlite_url)
        command.upgrade(cfg, "head")
    finally:
        events.remove_listener(broken)
    assert collected[-1].name == "migration:complete" and collected[-1].reason == "ok"


def test_configured_listener_and_audit_log(tmp_path: Path, sqlite_url: str) -> None:
    log_path = tmp_path / "audit.jsonl"
    cfg = three_phased_project(tmp_path, sqlite_url)
    module = tmp_path / "zdm_listener_mod.py"
    module.write_text("seen = []\ndef hear(event):\n    seen.append(event.name)\n")
    import sys

    sys.path.insert(0, str(tmp_path))
    try:
        cfg.cmd_opts = None
        ini = Path(cfg.config_file_name or "")
        ini.write_text(
            ini.read_text()
            + f"\n[alembic_zdm]\nlisteners = zdm_listener_mod:hear\nevent_log = {log_path}\n"
        )
        from alembic.config import Config

        command.upgrade(Config(str(ini)), "zdm-phase:1")
        import zdm_listener_mod  # type: ignore[import-not-found]

        assert zdm_listener_mod.seen[0] == "migration:start"
        assert zdm_listener_mod.seen[-1] == "migration:complete"
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("zdm_listener_mod", None)
    records = [json.loads(line) for line in log_path.read_text().splitlines()]
    assert [r["name"] for r in records] == zdm_listener_mod.seen
    assert all({"user", "host", "pid", "time", "name"} <= set(r) for r in records)
    assert any(r["name"] == "step:complete" and r["phase"] == "expand" for r in records)


def test_listener_that_cannot_be_loaded_is_one_sentence(tmp_path: Path, sqlite_url: str) -> None:
    from alembic_zdm.config import ZdmSettings

    with pytest.raises(CommandError, match="Listener 'no_such_mod:fn'.*package.module:function"):
        events.emit(ZdmSettings(listeners=("no_such_mod:fn",)), "migration:start")


def test_opentelemetry_spans_per_run_and_step(tmp_path: Path, sqlite_url: str) -> None:
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    events._tracer_checked = False  # pick up the provider set above
    cfg = three_phased_project(tmp_path, sqlite_url)
    command.upgrade(cfg, "zdm-phase:1")
    names = [s.name for s in exporter.get_finished_spans()]
    assert "alembic-zdm expand r2" in names
    assert names[-1] == "alembic-zdm upgrade"
    step = next(s for s in exporter.get_finished_spans() if s.name == "alembic-zdm expand r2")
    assert step.attributes is not None and step.attributes["zdm.revision"] == "r2"
    run = next(s for s in exporter.get_finished_spans() if s.name == "alembic-zdm upgrade")
    assert step.parent is not None and step.parent.span_id == run.context.span_id


def test_entry_point_listener_of_an_installed_distribution(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A distribution on sys.path that declares ``alembic_zdm.listeners`` gets every event;
    one of the same name further down sys.path is shadowed, as ``entry_points()`` does."""
    import sys

    for where, module in (("first", "zdm_ep_listener"), ("second", "zdm_ep_shadowed")):
        site = tmp_path / where
        (site / "zdm_ep_pkg-1.0.dist-info").mkdir(parents=True)
        (site / "zdm_ep_pkg-1.0.dist-info" / "METADATA").write_text(
            "Metadata-Version: 2.1\nName: zdm-ep-pkg\nVersion: 1.0\n"
        )
        (site / "zdm_ep_pkg-1.0.dist-info" / "entry_points.txt").write_text(
            f"[console_scripts]\nx = {module}:seen\n\n"
            f"[{events.ENTRY_POINT_GROUP}]\naudit = {module}:listener\n"
        )
        (site / f"{module}.py").write_text(
            "seen = []\ndef listener(event):\n    seen.append(event.name)\n"
        )
        monkeypatch.syspath_prepend(str(site)) if where == "first" else sys.path.append(str(site))
    monkeypatch.setattr(events, "_entry_points", None)
    try:
        cfg = three_phased_project(tmp_path / "p", sqlite_url)
        command.upgrade(cfg, "zdm-phase:1")
        import zdm_ep_listener  # type: ignore[import-not-found]

        assert zdm_ep_listener.seen[0] == "migration:start"
        assert zdm_ep_listener.seen[-1] == "migration:complete"
        assert "step:complete" in zdm_ep_listener.seen
        assert "zdm_ep_shadowed" not in sys.modules
        found = [ep.value for ep in events._group_entry_points()]
        assert found == ["zdm_ep_listener:listener"]
    finally:
        sys.path.remove(str(tmp_path / "second"))
        sys.modules.pop("zdm_ep_listener", None)
        events._entry_points = None


def test_audit_log_is_strict_json_for_an_infinite_lag_and_a_decimal(tmp_path: Path) -> None:
    """A stopped MySQL replica's lag is ``inf`` and a ``health_sql`` answer may be a
    ``Decimal``: the line is still JSON a strict reader takes, and the event is kept."""
    import datetime as dt
    from decimal import Decimal

    log_path = tmp_path / "audit.jsonl"
    audit = events.AuditLog(str(log_path))
    audit(Event("health:throttle", 1.0, reason="replica stopped", data={"value": float("inf")}))
    audit(
        Event("health:throttle", 2.0, data={"value": Decimal("2.50"), "at": dt.date(2026, 12, 2)})
    )

    def strict(text: str) -> object:
        def refuse(name: str) -> object:
            raise ValueError(f"not JSON: {name}")

        return json.loads(text, parse_constant=refuse)

    first, second = (strict(line) for line in log_path.read_text().splitlines())
    assert first["data"]["value"] == "inf" and first["reason"] == "replica stopped"  # type: ignore[index]
    assert second["data"] == {"value": 2.5, "at": "2026-12-02"}  # type: ignore[index]


def test_entry_point_scan_finds_what_importlib_metadata_finds(tmp_path: Path) -> None:
    """The listener scan reads ``entry_points.txt`` files itself: for every group this
    environment has (and one in a zip file on ``sys.path``), it answers exactly as
    ``importlib.metadata.entry_points(group=…)`` does, in the same order."""
    import importlib.metadata as md
    import sys
    import zipfile

    archive = tmp_path / "zipped.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("zdm_zip_pkg-1.0.dist-info/METADATA", "Name: zdm-zip-pkg\nVersion: 1.0\n")
        zf.writestr(
            "zdm_zip_pkg-1.0.dist-info/entry_points.txt", "[zdm.test.zipped]\nz = zipped:fn\n"
        )
    sys.path.append(str(archive))
    try:
        groups = {ep.group for d in md.distributions() for ep in d.entry_points}
        assert {"console_scripts", "pytest11", "alembic.plugins"} <= groups
        for group in sorted(groups):
            ours = [
                (e.name, e.value, e.dist and e.dist.name) for e in events._group_entry_points(group)
            ]
            theirs = [
                (e.name, e.value, e.dist and e.dist.name) for e in md.entry_points(group=group)
            ]
            assert ours == theirs, group
        assert [e.value for e in events._group_entry_points("zdm.test.zipped")] == ["zipped:fn"]
    finally:
        sys.path.remove(str(archive))


def test_entry_point_scan_is_kept_until_a_folder_on_sys_path_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The folder scan is answered from its cache while no folder on ``sys.path`` changed;
    a distribution installed or removed afterwards is seen by the next scan, which reads
    only the folder that changed, and a corrupt cache file is scanned past."""
    import os
    import sys

    site = tmp_path / "site"
    site.mkdir()

    def install(name: str) -> Path:
        info = site / f"{name}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
        (info / "entry_points.txt").write_text(f"[zdm.test.cached]\n{name} = {name}:fn\n")
        return info

    cache = tmp_path / "cache.json"
    monkeypatch.setattr(events, "_scan_cache_path", lambda: str(cache))
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    monkeypatch.syspath_prepend(str(site))
    install("zdm_cached_one")
    os.utime(site, ns=(1_000_000_000, 1_000_000_000))

    def scan() -> list[str]:
        return [e.value for e in events._group_entry_points("zdm.test.cached")]

    assert scan() == ["zdm_cached_one:fn"]
    assert cache.exists()
    real = events._folder_listing
    rescanned: list[str] = []

    def listing(group: str, folder: str) -> list[tuple[str, str, bool]]:
        rescanned.append(folder)
        return real(group, folder)

    monkeypatch.setattr(events, "_folder_listing", listing)
    assert scan() == ["zdm_cached_one:fn"]
    assert rescanned == []  # nothing on sys.path changed: every folder from the cache

    churn = tmp_path / "project"  # a folder with no distribution, written to all the time
    churn.mkdir()
    monkeypatch.syspath_prepend(str(churn))
    assert scan() == ["zdm_cached_one:fn"]
    kept = cache.stat().st_mtime_ns
    (churn / "app.db").write_text("x")
    os.utime(churn, ns=(2_000_000_000, 2_000_000_000))
    rescanned.clear()
    assert scan() == ["zdm_cached_one:fn"]
    assert rescanned == [str(churn)] and cache.stat().st_mtime_ns == kept  # not rewritten

    install("zdm_cached_two")  # a new .dist-info folder: the folder's time moves
    import importlib.metadata as md

    rescanned.clear()
    assert scan() == [e.value for e in md.entry_points(group="zdm.test.cached")]
    assert str(site) in rescanned and str(churn) in rescanned and len(rescanned) == 2
    assert sorted(scan()) == ["zdm_cached_one:fn", "zdm_cached_two:fn"]
    import shutil

    shutil.rmtree(site / "zdm_cached_one-1.0.dist-info")
    assert scan() == ["zdm_cached_two:fn"]

    cache.write_text("{not json")
    assert scan() == ["zdm_cached_two:fn"]
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    cache.unlink()
    assert scan() == ["zdm_cached_two:fn"] and not cache.exists()


@pytest.mark.parametrize("zip_first", [True, False])
def test_entry_point_scan_keeps_sys_path_order_between_zip_files_and_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, zip_first: bool
) -> None:
    """A distribution of one name in a zip file and in a folder on ``sys.path``: the one
    that comes first on ``sys.path`` wins, as ``entry_points(group=…)`` decides."""
    import importlib.metadata as md
    import sys
    import zipfile

    archive = tmp_path / "zipped.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("zdm_order_pkg-1.0.dist-info/METADATA", "Name: zdm-order-pkg\nVersion: 1.0\n")
        zf.writestr(
            "zdm_order_pkg-1.0.dist-info/entry_points.txt", "[zdm.test.order]\nz = in_zip:fn\n"
        )
    folder = tmp_path / "folder" / "zdm_order_pkg-2.0.dist-info"
    folder.mkdir(parents=True)
    (folder / "METADATA").write_text("Name: zdm-order-pkg\nVersion: 2.0\n")
    (folder / "entry_points.txt").write_text("[zdm.test.order]\nz = in_folder:fn\n")
    monkeypatch.setattr(events, "_scan_cache_path", lambda: str(tmp_path / "cache.json"))
    order = [str(archive), str(folder.parent)]
    monkeypatch.setattr(sys, "path", (order if zip_first else order[::-1]) + sys.path)

    ours = [e.value for e in events._group_entry_points("zdm.test.order")]
    assert ours == [e.value for e in md.entry_points(group="zdm.test.order")]
    assert ours == (["in_zip:fn"] if zip_first else ["in_folder:fn"])
