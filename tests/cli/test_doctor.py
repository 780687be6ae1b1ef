"""doctor finds what half-done migrations leave behind, and its fixes clear them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from alembic_zdm.cli import main as zdm_main
from alembic_zdm.testing.project import make_project

SETUP = """
def upgrade():
    op.execute("CREATE TABLE t (id serial PRIMARY KEY, v int, zdm_old_v int)")
    op.execute("INSERT INTO t (v) VALUES (1), (1), (2)")

def downgrade():
    op.execute("DROP TABLE t")
"""


def test_doctor_finds_leftovers_and_fixes_clear_them(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = make_project(tmp_path, pg_url, [("setup", SETUP)])
    command.upgrade(cfg, "head")
    engine = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        with pytest.raises(Exception, match="could not create unique index"):
            conn.execute(text("CREATE UNIQUE INDEX CONCURRENTLY ix_t_v ON t (v)"))
        conn.execute(text("ALTER TABLE t ADD CONSTRAINT ck_t_v CHECK (v > 0) NOT VALID"))
        conn.execute(
            text(
                "CREATE FUNCTION zdm_dw_t_v() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$"
            )
        )
        conn.execute(
            text(
                "CREATE TRIGGER zdm_dw_t_v BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION zdm_dw_t_v()"
            )
        )
        conn.execute(
            text(
                "CREATE FUNCTION zdm_lonely() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$"
            )
        )
        conn.execute(
            text(
                "CREATE TABLE alembic_zdm_state (revision varchar(64), phase int, phase_name varchar(16), "
                "status varchar(16), started_at timestamptz, finished_at timestamptz, duration_ms int, "
                "error text, checkpoint text, host varchar(255), db_user varchar(128), checksum varchar(64), "
                "attempts int NOT NULL DEFAULT 0, PRIMARY KEY (revision, phase))"
            )
        )
        conn.execute(
            text(
                "INSERT INTO alembic_zdm_state VALUES ('setup2', 2, 'migrate', 'running', now(), NULL, NULL, "
                "NULL, NULL, 'host1', 'deploy', '', 1)"
            )
        )

    ini = str(tmp_path / "alembic.ini")
    capsys.readouterr()
    assert zdm_main(["-c", ini, "doctor", "--format", "json"]) == 1
    findings = json.loads(capsys.readouterr().out)
    kinds = {(f["kind"], f["object"]) for f in findings}
    assert kinds == {
        ("phase-stuck-running", "revision setup2, phase migrate"),
        ("invalid-index", "public.ix_t_v on t"),
        ("not-valid-constraint", "public.t.ck_t_v"),
        ("dual-write-trigger", "public.t.zdm_dw_t_v"),
        ("dual-write-function", "public.zdm_lonely()"),
        ("temporary-column", "t.zdm_old_v"),
    }
    fixes = {f["kind"]: f["fix"] for f in findings}
    assert fixes["invalid-index"] == "DROP INDEX CONCURRENTLY IF EXISTS public.ix_t_v;"
    assert fixes["not-valid-constraint"] == "ALTER TABLE public.t VALIDATE CONSTRAINT ck_t_v;"

    with engine.connect() as conn:
        for f in findings:
            if f["kind"] == "phase-stuck-running":
                continue
            for sql in f["fix"].split("  --")[0].split("; "):
                conn.execute(text(sql.strip().rstrip(";")))
        conn.execute(text("UPDATE alembic_zdm_state SET status = 'done'"))
    engine.dispose()
    assert zdm_main(["-c", ini, "doctor"]) == 0
    assert "No leftovers found" in capsys.readouterr().out


SQLITE_SETUP = """
def upgrade():
    op.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER, zdm_new_v INTEGER)")
    op.execute(
        "CREATE TRIGGER zdm_dw_t_v AFTER UPDATE ON t BEGIN "
        "UPDATE t SET zdm_new_v = NEW.v WHERE id = NEW.id; END"
    )

def downgrade():
    op.execute("DROP TABLE t")
"""


def test_doctor_on_sqlite_finds_orphan_trigger_and_column(
    tmp_path: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = make_project(tmp_path, sqlite_url, [("setup", SQLITE_SETUP)])
    command.upgrade(cfg, "head")
    ini = str(tmp_path / "alembic.ini")
    capsys.readouterr()
    assert zdm_main(["-c", ini, "doctor", "--format", "json"]) == 1
    findings = {(f["kind"], f["object"], f["fix"]) for f in json.loads(capsys.readouterr().out)}
    assert findings == {
        ("dual-write-trigger", "t.zdm_dw_t_v", "DROP TRIGGER IF EXISTS zdm_dw_t_v;"),
        (
            "temporary-column",
            "t.zdm_new_v",
            "ALTER TABLE t DROP COLUMN zdm_new_v;  -- check its data first",
        ),
    }
