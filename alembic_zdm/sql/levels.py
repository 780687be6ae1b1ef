"""The lock levels and timeout classes of statements (no dataclass here: the guard of
plain revisions needs these two enums on every run, and nothing else of a plan)."""

from __future__ import annotations

import enum


class LockLevel(enum.Enum):
    """The strongest table lock a statement takes (PostgreSQL names; MySQL maps onto them)."""

    NONE = "none"
    ACCESS_SHARE = "ACCESS SHARE"
    ROW_SHARE = "ROW SHARE"
    ROW_EXCLUSIVE = "ROW EXCLUSIVE"
    SHARE_UPDATE_EXCLUSIVE = "SHARE UPDATE EXCLUSIVE"
    SHARE = "SHARE"
    SHARE_ROW_EXCLUSIVE = "SHARE ROW EXCLUSIVE"
    EXCLUSIVE = "EXCLUSIVE"
    ACCESS_EXCLUSIVE = "ACCESS EXCLUSIVE"

    @property
    def blocks_writes(self) -> bool:
        """True when concurrent INSERT/UPDATE/DELETE wait for this lock."""
        return self in (
            LockLevel.SHARE,
            LockLevel.SHARE_ROW_EXCLUSIVE,
            LockLevel.EXCLUSIVE,
            LockLevel.ACCESS_EXCLUSIVE,
        )

    def conflicts_with(self, other: LockLevel) -> bool:
        """True when a session holding *other* makes this lock wait (PostgreSQL's matrix)."""
        if LockLevel.NONE in (self, other):
            return False
        return _ORDER.index(other) in _CONFLICTS[_ORDER.index(self)]


_ORDER = [
    LockLevel.ACCESS_SHARE,
    LockLevel.ROW_SHARE,
    LockLevel.ROW_EXCLUSIVE,
    LockLevel.SHARE_UPDATE_EXCLUSIVE,
    LockLevel.SHARE,
    LockLevel.SHARE_ROW_EXCLUSIVE,
    LockLevel.EXCLUSIVE,
    LockLevel.ACCESS_EXCLUSIVE,
]
# Row i: indexes (into _ORDER) of the modes that conflict with mode i.
_CONFLICTS: list[frozenset[int]] = [
    frozenset({7}),
    frozenset({6, 7}),
    frozenset({4, 5, 6, 7}),
    frozenset({3, 4, 5, 6, 7}),
    frozenset({2, 3, 5, 6, 7}),
    frozenset({2, 3, 4, 5, 6, 7}),
    frozenset({1, 2, 3, 4, 5, 6, 7}),
    frozenset({0, 1, 2, 3, 4, 5, 6, 7}),
]


class TimeoutClass(enum.Enum):
    """Which lock/statement timeout policy applies (DESIGN §3)."""

    DDL = "ddl"
    """Short lock timeout, retried with back-off (ACCESS EXCLUSIVE and friends)."""
    CONCURRENT = "concurrent"
    """CREATE INDEX CONCURRENTLY, VALIDATE: long or no lock timeout, bounded statement timeout."""
    ONLINE = "online"
    """Online DDL that works while writes go on but takes a brief exclusive metadata lock
    at its start and end (MySQL ``ALGORITHM=INPLACE, LOCK=NONE``): the short lock
    timeout with retries (a waiting metadata lock queues writers), and the long
    statement timeout (the build itself may take a while)."""
    BACKFILL = "backfill"
    """One backfill batch: its own statement timeout."""
    NONE = "none"
    """Catalog reads and other statements that take no table lock worth bounding."""
