"""``frozen_record`` behaves as ``dataclass(frozen=True)`` where the package relies on it."""

from __future__ import annotations

import dataclasses

import pytest

from alembic_zdm.config import ZdmSettings
from alembic_zdm.dialects.capabilities import profile
from alembic_zdm.frozen import frozen_record


@frozen_record
class Pair:
    left: str
    right: int = 2
    tags: dict[str, int] = dataclasses.field(default_factory=dict)


def test_arguments_defaults_and_factories_as_a_dataclass_takes_them() -> None:
    assert (Pair("a").left, Pair("a").right, Pair("a").tags) == ("a", 2, {})
    assert Pair("a", 5) == Pair(left="a", right=5)
    assert Pair("a").tags is not Pair("a").tags  # a fresh value per instance
    with pytest.raises(TypeError, match="missing 'left'"):
        Pair()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="no field 'colour'"):
        Pair("a", colour=1)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="two values for 'left'"):
        Pair("a", left="b")  # type: ignore[misc]
    with pytest.raises(TypeError, match="takes 3 arguments"):
        Pair("a", 1, {}, 4)  # type: ignore[call-arg]


def test_frozen_equal_by_value_and_shown_by_fields() -> None:
    pair = Pair("a", 1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        pair.right = 3  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del pair.left  # type: ignore[misc]
    assert pair == Pair("a", 1) and pair != Pair("a", 2) and pair != ("a", 1)
    assert repr(pair) == "Pair(left='a', right=1, tags={})"
    assert hash(profile("postgresql", (15,))) == hash(profile("postgresql", (15,)))


def test_the_dataclass_functions_work_on_it() -> None:
    pair = Pair("a", 1, {"x": 1})
    assert [f.name for f in dataclasses.fields(Pair)] == ["left", "right", "tags"]
    assert dataclasses.replace(pair, right=9) == Pair("a", 9, {"x": 1})
    assert dataclasses.asdict(pair) == {"left": "a", "right": 1, "tags": {"x": 1}}
    settings = dataclasses.replace(ZdmSettings(), lock_timeout_ms=800)
    assert settings.lock_timeout_ms == 800 and settings.retries == ZdmSettings().retries
    assert settings == ZdmSettings(lock_timeout_ms=800)
