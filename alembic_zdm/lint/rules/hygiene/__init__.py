"""Rules of the hygiene family."""

from __future__ import annotations

from collections.abc import Iterator

from ...model import Action, ColumnSpec, Kind, Revision


def new_columns(rev: Revision) -> Iterator[tuple[Action, ColumnSpec]]:
    """Column definitions the forward functions write: ``add_column`` and ``create_table``."""
    for action in rev.forward():
        if action.kind is Kind.ADD_COLUMN and action.coldef is not None:
            yield action, action.coldef
        elif action.kind is Kind.CREATE_TABLE:
            for col in action.coldefs:
                yield action, col


def _nullable(col: ColumnSpec) -> str:
    """``, nullable=False`` as the user wrote it (empty when not given)."""
    return f", nullable={col.nullable}" if col.nullable is not None else ""
