"""The sample project: its revisions phase by phase, down again, and the demo itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect, text

import sample_project
from sample_project import demo

INI = Path(sample_project.__file__).parent / "alembic.ini"


def _config(url: str) -> Config:
    cfg = Config(str(INI))
    cfg.attributes["database_url"] = url
    cfg.attributes["configure_logger"] = False
    return cfg


def _columns(url: str, table: str) -> set[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {c["name"] for c in inspect(conn).get_columns(table)}
    finally:
        engine.dispose()


def test_sample_revisions_phase_by_phase_and_back(pg_url: str) -> None:
    cfg = _config(pg_url)
    command.upgrade(cfg, "0001")
    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO users (username) SELECT 'u' || g FROM generate_series(1, 12000) g")
        )
    command.upgrade(cfg, "zdm-phase:1")
    assert {"display_name", "legacy_flag"} <= _columns(pg_url, "users")
    assert "note" in _columns(pg_url, "orders")
    command.upgrade(cfg, "zdm-phase:2")
    with engine.connect() as conn:
        missing = conn.execute(
            text("SELECT count(*) FROM users WHERE display_name IS NULL")
        ).scalar()
    assert missing == 0
    command.upgrade(cfg, "head")
    users = _columns(pg_url, "users")
    assert "legacy_flag" not in users and "email" not in users
    assert {"email_address", "status", "display_name"} <= users
    with engine.connect() as conn:
        quantity_type = conn.execute(
            text(
                "SELECT data_type FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'quantity'"
            )
        ).scalar()
        constraints = set(
            conn.execute(
                text(
                    "SELECT conname FROM pg_constraint WHERE conname IN ('fk_orders_user_id_users', 'uq_products_sku') AND convalidated"
                )
            ).scalars()
        )
        status_nullable = conn.execute(
            text(
                "SELECT is_nullable FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'status'"
            )
        ).scalar()
    assert quantity_type == "bigint"
    assert constraints == {"fk_orders_user_id_users", "uq_products_sku"}
    assert status_nullable == "NO"
    command.downgrade(cfg, "0001")
    assert _columns(pg_url, "users") == {"id", "username", "email", "legacy_flag", "created_at"}
    command.downgrade(cfg, "base")
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) == {"alembic_version", "alembic_zdm_state"}
    engine.dispose()


def test_demo_runs_without_application_errors(
    pg_server_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", pg_server_url)
    assert demo.main() == 0
    out = capsys.readouterr().out
    assert "alembic upgrade zdm-phase:1  expand" in out
    assert "alembic upgrade head         contract" in out
    assert "application errors during the demo: 0" in out
    assert "alembic current: " in out
