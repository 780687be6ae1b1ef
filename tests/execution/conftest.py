"""Fixtures for the operation tests: offline SQL capture and live PostgreSQL helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa

from alembic_zdm.ops import register_all

register_all()


@pytest.fixture
def engine(pg_url: str) -> Iterator[sa.Engine]:
    """An engine on the test's fresh PostgreSQL database."""
    eng = sa.create_engine(pg_url)
    try:
        yield eng
    finally:
        eng.dispose()


@pytest.fixture
def sql(engine: sa.Engine) -> Callable[..., list[tuple[object, ...]]]:
    """Run SQL in its own committed transaction; return the rows."""

    def run(statement: str, **params: object) -> list[tuple[object, ...]]:
        with engine.begin() as conn:
            result = conn.execute(sa.text(statement), params)
            return [tuple(r) for r in result] if result.returns_rows else []

    return run
