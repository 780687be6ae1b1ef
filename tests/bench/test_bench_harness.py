"""The load harness measures what the application sees.

A transaction holding ACCESS EXCLUSIVE for one second must show up as a one-second
stall in the recorded latencies, and a failing statement must be counted with its
SQLSTATE. These are checks of measurement correctness, not speed targets.
"""

from __future__ import annotations

import time

import pytest

from bench.blocker import LockHolder
from bench.database import connect, seed
from bench.load import INSERT, READ, LoadProcess, LoadSpec
from bench.stats import finished_within, overlapping, summarize

ROWS = 2_000

pytestmark = pytest.mark.postgresql


def _spec(url: str) -> LoadSpec:
    return LoadSpec(
        url=url, rows=ROWS, clients=4, rate_per_client=50.0, statement_timeout_ms=10_000
    )


def test_a_held_lock_shows_as_a_stall_of_its_length(pg_url: str) -> None:
    seed(pg_url, ROWS)
    with LoadProcess(_spec(pg_url)) as load:
        time.sleep(0.5)
        holder = LockHolder(pg_url, hold_s=1.0, mode="ACCESS EXCLUSIVE").hold()
        holder.join()
        time.sleep(0.5)
        samples = load.stop()

    before = finished_within(samples, samples[0].start, holder.requested_at)
    during = summarize(overlapping(samples, holder.requested_at, holder.released_at), 1.0)
    assert before and max(s.latency for s in before) < 0.5, before
    assert 800 <= during.max_ms < 3_000, during
    assert during.errors == 0
    longest = max(samples, key=lambda s: s.latency)
    # sent just before the lock request, a statement may still reach the server after it
    assert holder.requested_at - 0.05 <= longest.start <= holder.released_at, (
        longest,
        holder.requested_at,
    )
    assert abs(longest.end - holder.released_at) < 0.25, (longest, holder.released_at)
    # A stall is one long sample per client, not several short ones: every statement
    # touches the table, so none can finish inside the hold, and each of the 4
    # clients has at most one statement in flight across it. (Counting samples over
    # 0.5 s instead would also count slow samples of a loaded machine.)
    # (from the grant: statements still in flight when the lock was asked for finish first)
    inner_start, inner_end = holder.acquired_at + 0.05, holder.released_at - 0.25
    assert [s for s in samples if inner_start < s.end < inner_end] == []
    across = overlapping(samples, inner_start, inner_end)
    assert 1 <= len(across) <= 4, f"a stall is one long sample per client: {across}"


def test_a_failing_statement_is_counted_with_its_sqlstate(pg_url: str) -> None:
    seed(pg_url, ROWS)
    with LoadProcess(_spec(pg_url)) as load:
        time.sleep(0.5)
        with connect(pg_url) as conn:
            conn.execute("ALTER TABLE items RENAME COLUMN payload TO body")
        renamed_at = time.monotonic()
        time.sleep(0.5)
        samples = load.stop()

    before = summarize([s for s in samples if s.end < renamed_at - 0.05], 0.5)
    after = summarize([s for s in samples if s.start > renamed_at], 0.5)
    assert before.errors == 0
    failing = [s for s in samples if s.start > renamed_at and s.kind in (READ, INSERT)]
    assert failing and all(s.sqlstate == "42703" for s in failing)
    assert after.errors == len(failing)
    assert after.errors_by_sqlstate == {"42703": len(failing)}
    assert after.statements > after.errors, "updates do not name the column and still succeed"
