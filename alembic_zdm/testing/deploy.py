"""Drive a project through a deploy, one phase step at a time, for the built-in checks.

A deploy from release A to release B runs, for the revisions B adds, every expand step
(revision order), then every migrate step, then — after B's code is out — every
contract step. :func:`deploy_steps` makes each of those steps its own ``alembic
upgrade`` call (``zdm-phase:N@REV``), so a check can look at the schema between any two.
:func:`round_trips` undoes and redoes every phase of every revision and compares the
schema from the catalog each time.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from ..phases.model import Phase
from .schema import differences, snapshot

if TYPE_CHECKING:
    from alembic.config import Config


@dataclasses.dataclass(frozen=True)
class DeployStep:
    """One phase of one revision, as a deploy runs it."""

    revision: str
    phase: Phase
    last: bool
    """The revision's last phase: after it, the version table names the revision."""

    @property
    def label(self) -> str:
        """``expand of 3f2a``."""
        return f"{self.phase.label} of {self.revision}"


def _scripts(cfg: Config, start: Sequence[str], end: str) -> list[Any]:
    """Revisions up to *end* (oldest first) that are not *start* or its ancestors."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(cfg)
    applied: set[str] = set()
    if start:
        applied = {s.revision for s in script.iterate_revisions(tuple(start), "base")}
    revs = reversed(list(script.iterate_revisions(end, "base", implicit_base=True)))
    return [s for s in revs if s.revision not in applied]


def plan(cfg: Config, start: Sequence[str] = (), end: str = "heads") -> list[DeployStep]:
    """The phase-major steps of a deploy from revisions *start* (default: base) to *end*."""
    from ..phases.revisions import load_revision

    revs = [load_revision(s) for s in _scripts(cfg, start, end)]
    steps = []
    for phase in Phase:
        for rev in revs:
            if phase in rev.phases:
                steps.append(DeployStep(rev.revision, phase, phase == max(rev.phases)))
    return steps


def apply(cfg: Config, step: DeployStep) -> None:
    """Run exactly *step* (everything before it must have run)."""
    from alembic import command

    target = step.revision if step.last else f"zdm-phase:{int(step.phase)}@{step.revision}"
    command.upgrade(cfg, target)


def deploy_steps(
    cfg: Config, start: Sequence[str] = (), end: str = "heads"
) -> Iterator[DeployStep]:
    """Apply the deploy's steps one by one, yielding after each (the schema is then its result)."""
    for step in plan(cfg, start, end):
        apply(cfg, step)
        yield step


@dataclasses.dataclass(frozen=True)
class RoundTripFailure:
    """A phase whose undo did not bring the schema back."""

    step: DeployStep
    undo: str
    differences: list[str]

    def __str__(self) -> str:
        lines = "; ".join(self.differences[:5])
        more = f" (and {len(self.differences) - 5} more)" if len(self.differences) > 5 else ""
        return (
            f"Undoing the {self.step.label} ({self.undo}) did not restore the schema: {lines}{more}"
        )


def _undo(cfg: Config, step: DeployStep, down: str) -> str:
    from alembic import command

    from ..phases.commands import downgrade, rollback

    if step.last:
        command.downgrade(cfg, down)
        return f"alembic downgrade {down}"
    if step.phase is Phase.EXPAND:
        rollback(cfg)
        return "alembic-zdm rollback"
    downgrade(cfg, f"zdm-phase:{int(step.phase) - 1}")
    return f"alembic downgrade zdm-phase:{int(step.phase) - 1}"


def round_trips(
    cfg: Config, url: str, on_step: Callable[[DeployStep], None] | None = None
) -> list[RoundTripFailure]:
    """From base to head, revision by revision: each phase up, undone, compared, redone.

    Undoing a revision's last phase downgrades the whole revision, so the comparison is with
    the schema before the revision; an earlier phase is compared with the schema before it.
    """
    failures: list[RoundTripFailure] = []
    for revision_script in _scripts(cfg, (), "heads"):
        down = revision_script.down_revision
        down_target = "base" if not down else down if isinstance(down, str) else down[0]
        before_revision = snapshot(url)
        parents = () if not down else (down,) if isinstance(down, str) else tuple(down)
        steps = plan(cfg, parents, revision_script.revision)
        steps = [s for s in steps if s.revision == revision_script.revision]
        for step in steps:
            before = before_revision if step.last else snapshot(url)
            apply(cfg, step)
            if on_step is not None:
                on_step(step)
            how = _undo(cfg, step, down_target)
            diff = differences(before, snapshot(url))
            if diff:
                failures.append(RoundTripFailure(step, how, diff))
                return failures  # the schema is now unknown: later comparisons would mislead
            # redo what the undo took away, up to and including this step
            for again in steps[: steps.index(step) + 1] if step.last else [step]:
                apply(cfg, again)
    return failures
