"""The sizes and durations of one benchmark run (full or ``--quick``)."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class BenchSettings:
    """Everything a run's size depends on. Times are seconds unless the name says otherwise."""

    rows: int = 1_000_000
    """Rows of the application table."""
    clients: int = 8
    """Application connections (one thread each, autocommit)."""
    rate_per_client: float = 50.0
    """Statements per second each client aims at (paced, not a closed loop)."""
    warmup_s: float = 1.0
    """Load time discarded before the baseline window."""
    baseline_s: float = 4.0
    """Length of the baseline window (load, no migration)."""
    cooldown_s: float = 1.0
    """Load time after the migration, kept in the plot but in no window."""
    blocker_hold_s: float = 5.0
    """How long the long-running transaction holds its lock in the lock-queue runs."""
    blocker_lead_s: float = 0.5
    """How long before the migration the long-running transaction takes its lock."""
    statement_timeout_ms: int = 60_000
    """The application's statement timeout: large, so that stalls are observed, not cut."""
    lock_timeout_ms: int = 500
    """alembic-zdm's lock timeout (its default); the latency target is this + 100 ms."""
    backfill_reps: int = 3
    """Runs of each backfill method with no load (the median is kept)."""
    overhead_import_reps: int = 40
    """Fresh interpreters per side for the ``import alembic`` measurement."""
    overhead_upgrade_revisions: int = 200
    overhead_upgrade_reps: int = 25
    """``alembic upgrade head`` runs per side (fresh database each): the paired runs of one
    side differ by 10–20 ms (standard deviation, on a ~200 ms run), so medians of 7 and
    of 15 still moved by several percent from one run of the bench to the next."""
    two_runner_reps: int = 5
    """Index builds per side, alone and with a second runner waiting (bench/two_runners.py)."""
    conversion_rows: int = 200_000
    """Rows of the table whose type changes in the conversion-trigger run (bench/conversion.py)."""
    quick: bool = False

    @classmethod
    def full(cls) -> BenchSettings:
        """The published benchmark: 1,000,000 rows."""
        return cls()

    @classmethod
    def quick_run(cls) -> BenchSettings:
        """The 100,000-row version for development and CI (``--quick``)."""
        return cls(
            rows=100_000,
            warmup_s=0.3,
            baseline_s=1.0,
            cooldown_s=0.3,
            blocker_hold_s=1.5,
            blocker_lead_s=0.3,
            backfill_reps=3,
            overhead_import_reps=10,
            overhead_upgrade_reps=3,
            two_runner_reps=2,
            conversion_rows=50_000,
            quick=True,
        )
