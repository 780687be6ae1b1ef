"""The archive copy reports what it copied: every row on a first run, only the rest on a
resumed one (it returned 0 on PostgreSQL, whose driver hides INSERT … SELECT's count)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from alembic_zdm.archive.copy import copy_out
from alembic_zdm.config import ZdmSettings


@pytest.mark.parametrize("db", ["pg_url", "mysql_url", "sqlite_url"])
def test_copy_out_returns_the_rows_it_copied(db: str, request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue(db)
    engine = sa.create_engine(url)
    md = sa.MetaData()
    src, arc = (
        sa.Table(
            name, md, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("v", sa.String(20)),
        )
        for name in ("src", "arc")
    )  # fmt: skip
    with engine.begin() as conn:
        md.create_all(conn)
        conn.execute(sa.insert(src), [{"id": i, "v": f"x{i}"} for i in range(1, 2501)])
        conn.execute(sa.insert(arc), [{"id": i, "v": f"x{i}"} for i in range(1, 301)])
    settings = ZdmSettings(backfill_batch_size=1000)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        names = {"source": "src", "source_schema": None, "archive": "arc", "archive_schema": None}
        kw = {**names, "key": ("id",), "columns": ("v",)}
        assert copy_out(conn, settings, None, **kw) == 2200  # resumed after the 300 there
        assert conn.execute(sa.select(sa.func.count()).select_from(arc)).scalar() == 2500
        conn.execute(sa.delete(arc))
        assert copy_out(conn, settings, None, **kw) == 2500
        assert copy_out(conn, settings, None, **kw) == 0  # nothing left
    engine.dispose()
