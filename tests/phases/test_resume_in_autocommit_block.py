"""A run killed inside a revision's own ``autocommit_block()`` is finished by a re-run.

The shape of polarsource/polar ``46c188b1734f``: a plain revision whose
``autocommit_block()`` drops an index concurrently ``IF EXISTS`` (so that a re-run after
an interrupted build works), builds a unique index concurrently, does the same for a
second index, and after the block drops the old unique constraint. Killed while the
build was in flight, the re-run retried that statement forgivingly inside a savepoint —
and a savepoint cannot be taken on the block's autocommit connection
(``SAVEPOINT can only be used in transaction blocks``): the step stayed ``partial`` on
every re-run.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect

from alembic_zdm.phases.progress import SimulatedKill, arm_kill
from alembic_zdm.testing.project import make_project

from .conftest import current_heads, state_rows

TABLE = """
def upgrade():
    op.create_table(
        "downloads",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("customer_id", sa.Integer, nullable=False),
        sa.Column("member_id", sa.Integer),
        sa.Column("file_id", sa.Integer, nullable=False),
        sa.UniqueConstraint("customer_id", "file_id", name="downloads_customer_file_key"),
    )

def downgrade():
    op.drop_table("downloads")
"""

SWAP = """
def upgrade():
    with op.get_context().autocommit_block():
        op.drop_index("ix_downloads_scope", table_name="downloads", if_exists=True,
                      postgresql_concurrently=True)
        op.create_index("ix_downloads_scope", "downloads", ["customer_id", "member_id", "file_id"],
                        unique=True, postgresql_concurrently=True)
        op.drop_index("ix_downloads_customer", table_name="downloads", if_exists=True,
                      postgresql_concurrently=True)
        op.create_index("ix_downloads_customer", "downloads", ["customer_id"],
                        postgresql_concurrently=True)
    op.drop_constraint("downloads_customer_file_key", "downloads", type_="unique")

def downgrade():
    op.create_unique_constraint("downloads_customer_file_key", "downloads",
                                ["customer_id", "file_id"])
    op.drop_index("ix_downloads_customer", table_name="downloads")
    op.drop_index("ix_downloads_scope", table_name="downloads")
"""


def _indexes(url: str) -> tuple[list[str], list[str]]:
    engine = create_engine(url)
    try:
        insp = inspect(engine)
        indexes = sorted(i["name"] or "" for i in insp.get_indexes("downloads"))
        uniques = sorted(u["name"] or "" for u in insp.get_unique_constraints("downloads"))
        return indexes, uniques
    finally:
        engine.dispose()


@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize("nth", [1, 2])
def test_killed_concurrent_build_in_the_revisions_block_is_finished_by_a_rerun(
    pg_url: str, tmp_path: Path, when: str, nth: int
) -> None:
    cfg = make_project(tmp_path, pg_url, [("d1", TABLE), ("d2", SWAP)])
    arm_kill(nth, when, match="CREATE UNIQUE INDEX CONCURRENTLY" if nth == 1 else "CONCURRENTLY")
    try:
        with pytest.raises(SimulatedKill):
            command.upgrade(cfg, "zdm-phase:1")
    finally:
        arm_kill(0)
    assert state_rows(pg_url)[("d2", "expand")] == "running"

    command.upgrade(cfg, "zdm-phase:1")
    assert state_rows(pg_url)[("d2", "expand")] == "done"
    assert current_heads(pg_url) == ["d2"]
    assert _indexes(pg_url) == (["ix_downloads_customer", "ix_downloads_scope"], [])
