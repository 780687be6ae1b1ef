"""What the catalog look-ups of a dialect return: blocking sessions, indexes, constraints.

Apart from :mod:`~alembic_zdm.dialects.base` so that the guard of plain revisions, which
needs a dialect's timeouts on every run but these only when a lock wait goes wrong,
does not build them on every run.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Blocker:
    """A session that holds (or is queued for) a lock on a table."""

    pid: int
    state: str
    seconds: float
    query: str
    mode: str
    granted: bool
    blocked_by: tuple[int, ...] = ()
    """For a session still waiting: the pids it waits for (``pg_blocking_pids``)."""

    def describe(self) -> str:
        """``pid 4242 (idle in transaction for 8.1 s, holds AccessShareLock: "SELECT …")``."""
        verb = "holds" if self.granted else "waits for"
        state = self.state or "unknown state"
        behind = ""
        if not self.granted and self.blocked_by:
            behind = " behind pid " + ", ".join(str(p) for p in self.blocked_by)
        query = f': "{self.query}"' if self.query else ""
        return (
            f"pid {self.pid} ({state} for {self.seconds:.1f} s, {verb} {self.mode}{behind}{query})"
        )


@dataclasses.dataclass(frozen=True)
class IndexInfo:
    """An index found in the catalog."""

    name: str
    table: str
    valid: bool
    unique: bool
    constraints: tuple[str, ...]
    """Constraints that use the index (a primary key, unique or foreign key)."""


@dataclasses.dataclass(frozen=True)
class ConstraintInfo:
    """A constraint found in the catalog (``type``: ``p``/``u``/``f``/``c``/``n``/``x``)."""

    name: str
    type: str
    validated: bool
