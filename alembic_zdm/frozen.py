"""``@frozen_record``: ``@dataclasses.dataclass(frozen=True)`` that is cheap to create.

Every ``alembic`` command imports the settings, the dialect capabilities and the
events, and the code ``dataclass`` generates and compiles for their classes
(``__init__``, ``__eq__``, ``__repr__``, the frozen ``__setattr__``) cost more than
the rest of a plain ``upgrade``'s overhead (``make bench``: about 13 M instructions
for the 47 fields of the settings). A ``frozen_record`` class is a real dataclass —
its fields, defaults, :func:`dataclasses.fields`, :func:`dataclasses.replace` and
:func:`dataclasses.asdict` are dataclasses' own — whose six methods are generic
functions shared by every record instead of generated code. Type checkers see a frozen
dataclass (``dataclass_transform``).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:

    def dataclass_transform(**_: Any) -> Any:
        return lambda fn: fn


_T = TypeVar("_T")


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field,))
def frozen_record(cls: type[_T]) -> type[_T]:
    """Make *cls* a frozen dataclass with generic methods (see the module docstring)."""
    cls = dataclasses.dataclass(init=False, repr=False, eq=False)(cls)
    if "__slots__" in cls.__dict__:  # the generic __init__ writes the instance __dict__
        raise TypeError(f"@frozen_record cannot make {cls.__qualname__} (it has __slots__)")
    fields = tuple(dataclasses.fields(cls))  # type: ignore[arg-type]
    names = tuple(f.name for f in fields)
    missing = dataclasses.MISSING
    kind = cls.__qualname__

    count = len(fields)

    def __init__(self: Any, *args: Any, **values: Any) -> None:
        if len(args) == count and not values:  # every field by position: the common call
            self.__dict__.update(zip(names, args, strict=True))
            return
        if len(args) > count:
            raise TypeError(f"{kind}() takes {len(fields)} arguments, {len(args)} were given")
        for f, value in zip(fields, args, strict=False):
            if f.name in values:
                raise TypeError(f"{kind}() got two values for {f.name!r}")
            values[f.name] = value
        state = self.__dict__
        for f in fields:
            if f.name in values:
                state[f.name] = values.pop(f.name)
            elif f.default is not missing:
                state[f.name] = f.default
            elif f.default_factory is not missing:
                state[f.name] = f.default_factory()
            else:
                raise TypeError(f"{kind}() is missing {f.name!r}")
        if values:
            raise TypeError(f"{kind}() has no field {sorted(values)[0]!r}")

    def _values(self: Any) -> tuple[Any, ...]:
        return tuple(getattr(self, n) for n in names)

    def __eq__(self: Any, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return bool(_values(self) == _values(other))

    def __hash__(self: Any) -> int:
        return hash(_values(self))

    def __repr__(self: Any) -> str:
        return f"{kind}({', '.join(f'{n}={getattr(self, n)!r}' for n in names)})"

    def __setattr__(self: Any, name: str, value: Any) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self: Any, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

    for method in (__init__, __eq__, __hash__, __repr__, __setattr__, __delattr__):
        method.__qualname__ = f"{kind}.{method.__name__}"
        setattr(cls, method.__name__, method)
    return cls
