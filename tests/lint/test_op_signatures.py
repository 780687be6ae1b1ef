"""The linter's table of alembic-zdm operation arguments matches the real operations,
so keyword arguments in revision files resolve to the right fields."""

from __future__ import annotations

import inspect

import alembic  # noqa: F401 - loads the plugin
import pytest
from alembic.operations import Operations

from alembic_zdm.lint.extract.ops import SIGNATURES, ZDM_OPS
from alembic_zdm.ops import register_all

register_all()


@pytest.mark.parametrize("name", sorted(ZDM_OPS))
def test_positional_names_match_the_operation(name: str) -> None:
    positional, _ = SIGNATURES[name]
    params = [
        p.name
        for p in inspect.signature(getattr(Operations, name)).parameters.values()
        if p.kind is p.POSITIONAL_OR_KEYWORD and p.name != "self"
    ]
    assert list(positional) == params[: len(positional)]
