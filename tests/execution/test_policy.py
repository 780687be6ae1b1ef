"""Timeouts per operation class and the back-off schedule."""

from __future__ import annotations

import random

from alembic_zdm.config import ZdmSettings
from alembic_zdm.execution import backoff_ms, policy_for
from alembic_zdm.execution.policy import TimeoutPolicy
from alembic_zdm.sql.statement import LockLevel, TimeoutClass


def test_policy_per_class_defaults() -> None:
    s = ZdmSettings()
    assert policy_for(s, TimeoutClass.DDL) == TimeoutPolicy(500, 60_000, 10)
    assert policy_for(s, TimeoutClass.CONCURRENT) == TimeoutPolicy(0, 3_600_000, 10)
    assert policy_for(s, TimeoutClass.BACKFILL) == TimeoutPolicy(500, 30_000, 10)
    assert policy_for(s, TimeoutClass.NONE) == TimeoutPolicy(None, None, 1)


def test_op_overrides_win() -> None:
    s = ZdmSettings().with_overrides(lock_timeout_ms=150, retries=0)
    assert policy_for(s, TimeoutClass.DDL) == TimeoutPolicy(150, 60_000, 1)


def test_backoff_doubles_caps_and_jitters() -> None:
    s = ZdmSettings()
    rng = random.Random(7)
    delays = [backoff_ms(a, s, rng) for a in range(1, 11)]
    nominal = [200, 400, 800, 1600, 3200, 6400, 10_000, 10_000, 10_000, 10_000]
    for delay, full in zip(delays, nominal, strict=True):
        assert full / 2 <= delay <= full
    assert len(set(delays)) == len(delays)


def test_lock_conflict_matrix() -> None:
    assert LockLevel.ACCESS_EXCLUSIVE.conflicts_with(LockLevel.ACCESS_SHARE)
    assert not LockLevel.SHARE_ROW_EXCLUSIVE.conflicts_with(LockLevel.ACCESS_SHARE)
    assert LockLevel.SHARE_ROW_EXCLUSIVE.conflicts_with(LockLevel.ROW_EXCLUSIVE)
    assert not LockLevel.SHARE.conflicts_with(LockLevel.SHARE)
    assert LockLevel.SHARE_UPDATE_EXCLUSIVE.conflicts_with(LockLevel.SHARE_UPDATE_EXCLUSIVE)
    assert not LockLevel.NONE.conflicts_with(LockLevel.ACCESS_EXCLUSIVE)
    for a in LockLevel:
        for b in LockLevel:
            assert a.conflicts_with(b) == b.conflicts_with(a)


def test_blocker_sentence() -> None:
    from alembic_zdm.dialects.records import Blocker

    held = Blocker(42, "idle in transaction", 8.14, "SELECT 1", "AccessShareLock", True)
    queued = Blocker(43, "active", 0.5, "", "RowExclusiveLock", False, (41, 44))
    assert held.describe() == (
        'pid 42 (idle in transaction for 8.1 s, holds AccessShareLock: "SELECT 1")'
    )
    assert (
        queued.describe()
        == "pid 43 (active for 0.5 s, waits for RowExclusiveLock behind pid 41, 44)"
    )
