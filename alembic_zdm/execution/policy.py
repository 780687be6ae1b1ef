"""Timeouts per operation class and the retry back-off (DESIGN §3)."""

from __future__ import annotations

import dataclasses
import random

from ..config import ZdmSettings
from ..sql.levels import TimeoutClass

_RNG = random.Random()


@dataclasses.dataclass(frozen=True)
class TimeoutPolicy:
    """How one statement is run.

    :param lock_timeout_ms: lock timeout to set (``None``: leave as is; 0: none).
    :param statement_timeout_ms: statement timeout to set (``None``: leave as is).
    :param attempts: tries in all, when a try ends in a lock timeout or deadlock.
    """

    lock_timeout_ms: int | None
    statement_timeout_ms: int | None
    attempts: int

    @property
    def sets_anything(self) -> bool:
        """True when the policy sets at least one timeout."""
        return self.lock_timeout_ms is not None or self.statement_timeout_ms is not None


def policy_for(settings: ZdmSettings, timeout_class: TimeoutClass) -> TimeoutPolicy:
    """The :class:`TimeoutPolicy` of *timeout_class* under *settings*.

    ============  ==============================  ===================================
    class         lock timeout                    statement timeout
    ============  ==============================  ===================================
    DDL           ``lock_timeout_ms`` (500 ms)    ``ddl_statement_timeout_ms`` (1 min)
    CONCURRENT    ``concurrent_lock_timeout_ms``  ``concurrent_statement_timeout_ms``
                  (0 = none)                      (1 h)
    ONLINE        ``lock_timeout_ms``             ``concurrent_statement_timeout_ms``
    BACKFILL      ``lock_timeout_ms``             ``backfill_statement_timeout_ms``
    NONE          unchanged                       unchanged
    ============  ==============================  ===================================

    Every class but NONE is tried up to ``retries`` times.
    """
    attempts = max(1, settings.retries)
    if timeout_class is TimeoutClass.DDL:
        return TimeoutPolicy(settings.lock_timeout_ms, settings.ddl_statement_timeout_ms, attempts)
    if timeout_class is TimeoutClass.CONCURRENT:
        return TimeoutPolicy(
            settings.concurrent_lock_timeout_ms, settings.concurrent_statement_timeout_ms, attempts
        )
    if timeout_class is TimeoutClass.ONLINE:
        return TimeoutPolicy(
            settings.lock_timeout_ms, settings.concurrent_statement_timeout_ms, attempts
        )
    if timeout_class is TimeoutClass.BACKFILL:
        return TimeoutPolicy(
            settings.lock_timeout_ms, settings.backfill_statement_timeout_ms, attempts
        )
    return TimeoutPolicy(None, None, 1)


def backoff_ms(attempt: int, settings: ZdmSettings, rng: random.Random | None = None) -> float:
    """Delay before try ``attempt + 1``: exponential from ``retry_base_ms``, capped, with jitter.

    The un-jittered delay is ``min(retry_cap_ms, retry_base_ms * 2 ** (attempt - 1))``;
    the result is uniform between half of it and all of it ("equal jitter"), so two
    runners that failed together do not come back together.
    """
    delay = min(settings.retry_cap_ms, settings.retry_base_ms << max(0, attempt - 1))
    jitter = (rng or _RNG).uniform(0, delay / 2)
    return delay / 2 + jitter
