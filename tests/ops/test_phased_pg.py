"""The safe ops inside phased revisions, driven by ``alembic upgrade zdm-phase:N``."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from alembic_zdm.testing.project import make_project

pytestmark = pytest.mark.postgresql

TABLES = """
def upgrade():
    op.execute("CREATE TABLE users (id int PRIMARY KEY, email text)")
    op.execute("CREATE TABLE orders (id int PRIMARY KEY, user_id int, code text)")
    op.execute("INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 50) g")
    op.execute("INSERT INTO orders SELECT g, g, 'c' || g FROM generate_series(1, 50) g")

def downgrade():
    op.execute("DROP TABLE orders")
    op.execute("DROP TABLE users")
"""

SAFE = """
def expand():
    op.add_foreign_key_safe("fk_orders_user", "orders", "users", ["user_id"], ["id"])
    op.add_unique_constraint_safe("uq_orders_code", "orders", ["code"])
    op.set_not_null_safe("orders", "user_id")
    op.add_index_concurrently("ix_users_email", "users", ["email"])

def migrate():
    op.validate_data_integrity("SELECT id FROM orders WHERE code IS NULL", "Orders lack a code")

def undo_expand():
    op.drop_index_concurrently("ix_users_email", "users")
"""

STATE = """
SELECT
  (SELECT string_agg(conname || ':' || convalidated, ',' ORDER BY conname) FROM pg_constraint
   WHERE conrelid = 'orders'::regclass AND contype <> 'p'),
  (SELECT attnotnull FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'user_id'),
  (SELECT count(*) FROM pg_indexes WHERE indexname IN ('ix_users_email', 'uq_orders_code'))
"""


def test_phase_by_phase_and_back(tmp_path: Path, pg_url: str) -> None:
    cfg = make_project(tmp_path, pg_url, [("tables", TABLES), ("safe", SAFE)])
    engine = sa.create_engine(pg_url)

    def state() -> tuple[object, ...]:
        with engine.connect() as conn:
            return tuple(conn.execute(sa.text(STATE)).one())

    command.upgrade(cfg, "zdm-phase:1")
    assert state() == ("fk_orders_user:false", False, 2)
    command.upgrade(cfg, "zdm-phase:2")
    assert state() == ("fk_orders_user:true,uq_orders_code:true", False, 2)
    command.upgrade(cfg, "head")
    assert state() == ("fk_orders_user:true,uq_orders_code:true", True, 2)
    command.downgrade(cfg, "tables")
    assert state() == (None, False, 0)
    engine.dispose()


def test_offline_phase_renders_only_its_part(tmp_path: Path, pg_url: str, capsys) -> None:
    cfg = make_project(tmp_path, pg_url, [("tables", TABLES), ("safe", SAFE)])
    command.upgrade(cfg, "zdm-phase:1", sql=True)
    out = capsys.readouterr().out
    assert (
        "ALTER TABLE orders ADD CONSTRAINT fk_orders_user FOREIGN KEY (user_id) "
        "REFERENCES users (id) NOT VALID;" in out
    )
    assert "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS uq_orders_code ON orders (code);" in out
    assert "SET LOCAL lock_timeout = '500ms';" in out
    assert "VALIDATE CONSTRAINT" not in out and "SET NOT NULL" not in out
