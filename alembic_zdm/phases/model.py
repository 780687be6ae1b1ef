"""The three phases and the names that reach them."""

from __future__ import annotations

import enum


class Phase(enum.IntEnum):
    """A deploy phase (DESIGN §2)."""

    EXPAND = 1
    MIGRATE = 2
    CONTRACT = 3

    @property
    def label(self) -> str:
        """Lower-case name, as used in targets and in the state table."""
        return self.name.lower()

    @property
    def undo_name(self) -> str:
        """Name of the revision function that undoes this phase."""
        return f"undo_{self.label}"


PHASE_NAMES: dict[str, Phase] = {p.label: p for p in Phase}
