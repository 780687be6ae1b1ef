"""A dual-write trigger described as data; the SQL lives in the dialect modules."""

from __future__ import annotations

import dataclasses

from .. import naming


@dataclasses.dataclass(frozen=True)
class DualWriteSpec:
    """Keep the *old* and *new* columns of *table* consistent while two app versions run.

    :param table: the table.
    :param old: the columns the old code writes.
    :param new: the columns the new code writes.
    :param forward: one SQL expression per *new* column, over the table's columns,
        computing it from the old ones; ``None`` (for one column) copies ``old[0]``.
        User SQL is passed through as an expression, never quoted or rewritten.
    :param backward: one SQL expression per *old* column, computing it from the new
        ones; ``None`` for one column copies ``new[0]``. ``two_way=False`` disables
        the new→old direction (a shadow column no application writes).
    :param two_way: whether writes to the new columns are carried back to the old.
    :param schema: the table's schema (``None``: the search path).
    """

    table: str
    old: tuple[str, ...]
    new: tuple[str, ...]
    forward: tuple[str | None, ...]
    backward: tuple[str | None, ...]
    two_way: bool = True
    schema: str | None = None

    def __post_init__(self) -> None:
        if len(self.forward) != len(self.new):
            raise ValueError("forward needs one expression per new column")
        if len(self.backward) != len(self.old):
            raise ValueError("backward needs one expression per old column")
        if None in self.forward and len(self.old) != 1:
            raise ValueError("a forward expression is required when there are several old columns")
        if self.two_way and None in self.backward and len(self.new) != 1:
            raise ValueError("a backward expression is required when there are several new columns")

    @classmethod
    def simple(
        cls,
        table: str,
        old: str,
        new: str,
        forward: str | None = None,
        backward: str | None = None,
        *,
        two_way: bool = True,
        schema: str | None = None,
    ) -> DualWriteSpec:
        """One old column, one new column (a rename or a type change)."""
        return cls(table, (old,), (new,), (forward,), (backward,), two_way, schema)

    def trigger_name(self, dialect_name: str) -> str:
        """The trigger's name (see :mod:`alembic_zdm.naming`)."""
        return naming.dual_write_trigger(self.table, self.old, self.new, dialect_name)

    def function_name(self, dialect_name: str) -> str:
        """The trigger function's name (dialects that have trigger functions)."""
        return naming.dual_write_function(self.table, self.old, self.new, dialect_name)
