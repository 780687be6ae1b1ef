"""The three phases and the names that reach them."""

from __future__ import annotations

import enum

# The statuses of a state-table row (alembic_zdm.phases.state). They live here so that a
# plain run, which never reads a state table its database does not have, need not import it.
RUNNING = "running"
DONE = "done"
FAILED = "failed"
PARTIAL = "partial"
"""The step failed and could not be rolled back entirely: what had committed (statements,
backfill batches) is recorded in ``progress`` / ``checkpoint``; a re-run continues it."""
UNFINISHED = (RUNNING, FAILED, PARTIAL)
"""Statuses of a step that started and did not end (a re-run picks it up)."""
ROLLED_BACK = "rolled_back"


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
