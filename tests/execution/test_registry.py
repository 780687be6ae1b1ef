"""The dialect and plan registries: lookup, lazy import, duplicates refused."""

from __future__ import annotations

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from alembic_zdm.config import ZdmSettings
from alembic_zdm.dialects import (
    DialectSupport,
    PlanContext,
    build_plan,
    dialect_support,
    plans,
    register_dialect,
)
from alembic_zdm.dialects.postgresql import PostgresSupport
from alembic_zdm.errors import UnsupportedDialectError


def test_postgresql_support_and_capabilities() -> None:
    dialect = postgresql.dialect()
    support = dialect_support(dialect)
    assert isinstance(support, PostgresSupport)
    assert support.server_version is None and not support.native_not_null_not_valid
    dialect.server_version_info = (18, 1)
    assert dialect_support(dialect).native_not_null_not_valid
    dialect.server_version_info = (11, 9)
    with pytest.raises(UnsupportedDialectError, match="postgresql 11.9 is too old"):
        dialect_support(dialect).require_supported_version()


def test_unknown_dialect_is_one_sentence() -> None:
    dialect = sqlite.dialect()
    dialect.name = "oracle"
    with pytest.raises(UnsupportedDialectError) as caught:
        dialect_support(dialect)
    assert str(caught.value) == (
        "alembic-zdm does not support the 'oracle' database yet "
        "(supported: mariadb, mysql, postgresql, sqlite)."
    )


def test_duplicate_dialect_registration_is_an_error() -> None:
    with pytest.raises(ValueError, match="'postgresql' is already registered by PostgresSupport"):

        @register_dialect("postgresql")
        class Again(DialectSupport):
            name = "postgresql"


def test_plans_dispatch_and_refuse_duplicates() -> None:
    class ThingOp:
        pass

    @plans(ThingOp, "postgresql")
    def plan_pg(op: ThingOp, ctx: PlanContext) -> list:
        return ["pg"]

    with pytest.raises(ValueError, match="already has a plan function for 'postgresql'"):
        plans(ThingOp, "postgresql")(plan_pg)
    support = dialect_support(postgresql.dialect())
    ctx = PlanContext(support, support.quoter, ZdmSettings())
    assert build_plan(ThingOp(), ctx) == ["pg"]

    class OtherOp:
        pass

    with pytest.raises(
        UnsupportedDialectError, match="OtherOp has no implementation for the 'postgresql'"
    ):
        build_plan(OtherOp(), ctx)
