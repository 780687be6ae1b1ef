"""Phase targets: ``zdm-phase:N``, ``-x zdm_phase=N`` and ``--phase N``."""

from __future__ import annotations

from ..errors import PhaseTargetError
from ..frozen import frozen_record
from .model import PHASE_NAMES, Phase

TARGET_PREFIX = "zdm-phase:"


@frozen_record
class PhaseTarget:
    """Run every pending phase up to *max_phase* of the revisions up to *revision*."""

    max_phase: Phase
    revision: str = "heads"


def parse_phase(value: str | int) -> Phase:
    """Parse ``2`` / ``"2"`` / ``"migrate"`` into a :class:`Phase`, or raise one clear error."""
    text = str(value).strip().lower()
    if text in PHASE_NAMES:
        return PHASE_NAMES[text]
    if text.isdigit() and int(text) in (1, 2, 3):
        return Phase(int(text))
    raise PhaseTargetError(
        f"{value!r} is not a phase: use 1/expand, 2/migrate or 3/contract "
        f"(for example 'alembic upgrade {TARGET_PREFIX}2')."
    )


def is_phase_target(revision: str) -> bool:
    """True when *revision* is written in the ``zdm-phase:…`` syntax."""
    return revision.strip().lower().startswith(TARGET_PREFIX.rstrip(":"))


def parse_target(revision: str) -> PhaseTarget | None:
    """Return the :class:`PhaseTarget` of a ``zdm-phase:N[@REV]`` string, else ``None``.

    ``REV`` (default ``heads``) limits the run to revisions up to that one.
    """
    if not is_phase_target(revision):
        return None
    text = revision.strip()
    body = text[len(TARGET_PREFIX) :] if text.lower().startswith(TARGET_PREFIX) else ""
    if not body:
        raise PhaseTargetError(
            f"Target {revision!r} names no phase: write {TARGET_PREFIX}1, {TARGET_PREFIX}2 "
            f"or {TARGET_PREFIX}3 (or expand / migrate / contract)."
        )
    phase_text, _, rev = body.partition("@")
    try:
        phase = parse_phase(phase_text)
    except PhaseTargetError:
        raise PhaseTargetError(
            f"Target {revision!r} names no phase: write {TARGET_PREFIX}1, {TARGET_PREFIX}2 "
            f"or {TARGET_PREFIX}3 (or expand / migrate / contract)."
        ) from None
    return PhaseTarget(phase, rev.strip() or "heads")
