"""The contract gate: no contract while sessions of the previous release are connected."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.util import CommandError

from alembic_zdm.testing.project import make_project

USERS = """
def upgrade():
    op.create_table("users", sa.Column("id", sa.Integer, primary_key=True), sa.Column("legacy", sa.Text))

def downgrade():
    op.drop_table("users")
"""
DROP = """
def expand():
    op.safe_drop_column("users", "legacy", existing_type=sa.Text())
"""


def _project(root: Path, url: str, extra: str = "") -> Path:
    cfg = make_project(root, url, [("r0", USERS), ("r1", DROP)])
    ini = Path(str(cfg.config_file_name))
    ini.write_text(
        ini.read_text()
        + "\n[alembic_zdm]\ncontract_gate_application_name = shop@{version}\n"
        + "release = 2.0\n"
        + extra
    )
    return ini


def _columns(url: str) -> set[str]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        names = {c["name"] for c in sa.inspect(conn).get_columns("users")}
    engine.dispose()
    return names


def test_contract_waits_for_the_old_release_to_leave(tmp_path: Path, pg_url: str) -> None:
    ini = _project(tmp_path, pg_url)
    command.upgrade(Config(str(ini)), "zdm-phase:2")
    old = sa.create_engine(pg_url, connect_args={"application_name": "shop@1.9"})
    new = sa.create_engine(pg_url, connect_args={"application_name": "shop@2.0"})
    old_conn, new_conn = old.connect(), new.connect()
    try:
        with pytest.raises(CommandError) as info:
            command.upgrade(Config(str(ini)), "head")
        text = str(info.value)
        assert "Refusing the contract of r1 (r1): the previous release is still connected" in text
        assert "shop@1.9" in text and "shop@2.0" not in text
        assert "--force" in text
        assert "legacy" in _columns(pg_url)  # nothing of the contract ran
    finally:
        old_conn.close()
        old.dispose()
    command.upgrade(Config(str(ini)), "head")  # the old servers are gone: contract runs
    assert "legacy" not in _columns(pg_url)
    new_conn.close()
    new.dispose()


def test_force_lets_it_through_and_the_audit_log_says_so(tmp_path: Path, pg_url: str) -> None:
    log = tmp_path / "audit.jsonl"
    ini = _project(tmp_path, pg_url, f"event_log = {log}\n")
    command.upgrade(Config(str(ini)), "zdm-phase:2")
    old = sa.create_engine(pg_url, connect_args={"application_name": "shop@1.9"})
    with old.connect():
        cfg = Config(str(ini))
        cfg.cmd_opts = type("Opts", (), {"x": ["zdm_force=true"]})()  # type: ignore[assignment]
        command.upgrade(cfg, "head")
    old.dispose()
    assert "legacy" not in _columns(pg_url)
    forced = [
        r for r in map(json.loads, log.read_text().splitlines()) if r["name"] == "contract:forced"
    ]
    assert len(forced) == 1 and "shop@1.9" in forced[0]["data"]["sessions"][0]


def test_heartbeat_table_counts_recent_old_versions(tmp_path: Path, pg_url: str) -> None:
    ini = _project(tmp_path, pg_url, "contract_gate_heartbeat_table = heartbeat\n")
    ini.write_text(ini.read_text().replace("contract_gate_application_name = shop@{version}\n", ""))
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE heartbeat (version text, seen_at timestamptz)"))
        conn.execute(
            sa.text(
                "INSERT INTO heartbeat VALUES ('1.9', now()), ('1.8', now() - interval '1 hour')"
            )
        )
    command.upgrade(Config(str(ini)), "zdm-phase:2")
    with pytest.raises(CommandError, match=r"still connected \(release 1\.9 \(heartbeat at"):
        command.upgrade(Config(str(ini)), "head")
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE heartbeat SET seen_at = now() - interval '1 hour'"))
    command.upgrade(Config(str(ini)), "head")
    engine.dispose()
    assert "legacy" not in _columns(pg_url)


def test_gate_without_a_release_is_one_sentence(tmp_path: Path, pg_url: str) -> None:
    ini = _project(tmp_path, pg_url)
    ini.write_text(ini.read_text().replace("release = 2.0\n", ""))
    command.upgrade(Config(str(ini)), "zdm-phase:2")
    with pytest.raises(CommandError, match=r"set release \(e\.g\. -x zdm_release=2\.4\.0\)"):
        command.upgrade(Config(str(ini)), "head")
