"""Window statistics of the recorded application statements."""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Sequence

from bench.load import Sample


@dataclasses.dataclass(frozen=True)
class WindowStats:
    """What the application saw during one window of time.

    Latencies in milliseconds; ``qps`` counts statements completed per second.
    """

    statements: int
    errors: int
    errors_by_sqlstate: dict[str, int]
    p50_ms: float
    p99_ms: float
    max_ms: float
    qps: float
    duration_s: float


def percentile(values: Sequence[float], q: float) -> float:
    """The *q*-th percentile (0–100) by the nearest-rank method; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summarize(samples: Sequence[Sample], duration_s: float) -> WindowStats:
    """Statistics of *samples*, which ran during a window *duration_s* long."""
    latencies = [s.latency * 1000 for s in samples]
    errors = Counter(s.sqlstate for s in samples if s.sqlstate is not None)
    return WindowStats(
        statements=len(samples),
        errors=sum(errors.values()),
        errors_by_sqlstate=dict(sorted(errors.items())),
        p50_ms=round(percentile(latencies, 50), 3),
        p99_ms=round(percentile(latencies, 99), 3),
        max_ms=round(max(latencies, default=0.0), 3),
        qps=round(len(samples) / duration_s, 1) if duration_s > 0 else 0.0,
        duration_s=round(duration_s, 3),
    )


def finished_within(samples: Sequence[Sample], start: float, end: float) -> list[Sample]:
    """Statements sent and answered inside ``[start, end]`` (the baseline window)."""
    return [s for s in samples if s.start >= start and s.end <= end]


def overlapping(samples: Sequence[Sample], start: float, end: float) -> list[Sample]:
    """Statements whose time in flight overlaps ``[start, end]`` (the migration window).

    A statement sent just before the migration and stalled by it belongs to the
    migration, which is why the window is chosen by overlap rather than by start.
    """
    return [s for s in samples if s.start < end and s.end > start]
