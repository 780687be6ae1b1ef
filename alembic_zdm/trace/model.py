"""What ``alembic-zdm trace`` records: per step, per statement, the locks held and effects."""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass
class HeldLock:
    """A table lock a statement took, and for how long the migration held it.

    :param table: the table (schema-qualified when not in the search path).
    :param mode: the database's own name (PostgreSQL ``ShareLock``; MySQL ``metadata (exclusive)``).
    :param held_ms: from the statement's start until its transaction ended.
    :param blocks_reads: a concurrent SELECT on the table would have waited.
    :param blocks_writes: a concurrent INSERT/UPDATE/DELETE would have waited.
    :param measured: True when *blocks_reads*/*blocks_writes* were probed from another
        session while the lock was held; False when derived from the lock mode.
    """

    table: str
    mode: str
    held_ms: float = 0.0
    blocks_reads: bool = False
    blocks_writes: bool = False
    measured: bool = False
    other_modes: list[str] = dataclasses.field(default_factory=list)
    """Weaker modes the statement also took on the table (index rebuilds take ``ShareLock``)."""


@dataclasses.dataclass
class TracedStatement:
    """One statement the migration ran, with what it did to the database."""

    sql: str
    duration_ms: float
    in_transaction: bool
    locks: list[HeldLock] = dataclasses.field(default_factory=list)
    rewrites: list[str] = dataclasses.field(default_factory=list)
    """Tables whose storage was replaced (PostgreSQL ``relfilenode``; MySQL table id)."""
    scans: list[str] = dataclasses.field(default_factory=list)
    """Tables read in full by the statement (sequential scans counted by the server)."""
    rows: dict[str, int] = dataclasses.field(default_factory=dict)
    """Rows of each locked table when the statement ran."""
    copied: bool | None = None
    """MySQL/MariaDB: the ALTER copied the table row by row (None: not an ALTER)."""
    note: str | None = None
    """Why part of the record is missing (the probe could not read the catalog)."""

    @property
    def write_block_ms(self) -> float:
        """How long this statement's locks kept writers out (0 when none did)."""
        return max((lock.held_ms for lock in self.locks if lock.blocks_writes), default=0.0)


@dataclasses.dataclass
class TracedStep:
    """One phase step (or its undo) and its statements."""

    revision: str
    phase: str
    undo: bool = False
    path: str | None = None
    statements: list[TracedStatement] = dataclasses.field(default_factory=list)

    @property
    def label(self) -> str:
        """``expand of 3f2a`` / ``undo contract of 3f2a``."""
        return f"{'undo ' if self.undo else ''}{self.phase} of {self.revision}"


@dataclasses.dataclass
class TraceReport:
    """The whole trace, with the threshold it was judged against."""

    dialect: str
    database: str
    max_write_block_ms: float
    steps: list[TracedStep] = dataclasses.field(default_factory=list)

    def violations(self) -> list[tuple[TracedStep, TracedStatement]]:
        """Statements whose locks blocked writes for longer than the threshold."""
        return [
            (step, st)
            for step in self.steps
            for st in step.statements
            if st.write_block_ms > self.max_write_block_ms
        ]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready data (the schema is ``trace/schema.json``)."""
        return {
            "dialect": self.dialect,
            "database": self.database,
            "max_write_block_ms": self.max_write_block_ms,
            "violations": len(self.violations()),
            "steps": [
                {
                    "revision": step.revision,
                    "phase": step.phase,
                    "undo": step.undo,
                    "path": step.path,
                    "statements": [
                        {
                            **dataclasses.asdict(st),
                            "write_block_ms": round(st.write_block_ms, 3),
                        }
                        for st in step.statements
                    ],
                }
                for step in self.steps
            ],
        }
