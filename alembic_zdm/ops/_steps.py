"""The shape every pattern op here shares: six small steps, dispatched by the runner."""

from __future__ import annotations

from typing import Any

from alembic.operations import Operations

from ..phases.model import Phase
from .base import PatternOperation


class PatternSteps(PatternOperation):
    """A pattern op split into ``expand``/``migrate``/``contract`` and their ``undo_*``.

    Each step receives a :class:`~alembic_zdm.ops._pattern.Ctx`; a step that has
    nothing to do is simply not overridden.
    """

    def run_phase(self, operations: Operations, phase: Phase, undo: bool) -> None:
        """Run the step for *phase* (its undo when *undo*)."""
        from ._pattern import Ctx

        step = getattr(self, f"undo_{phase.label}" if undo else phase.label)
        step(Ctx(operations))

    def expand(self, ctx: Any) -> None:
        """Expand: additive, backward-compatible changes."""

    def undo_expand(self, ctx: Any) -> None:
        """Undo of :meth:`expand`."""

    def migrate(self, ctx: Any) -> None:
        """Migrate: data movement and checks."""

    def undo_migrate(self, ctx: Any) -> None:
        """Undo of :meth:`migrate`."""

    def contract(self, ctx: Any) -> None:
        """Contract: destructive changes once no running code needs the old shape."""

    def undo_contract(self, ctx: Any) -> None:
        """Undo of :meth:`contract`."""
