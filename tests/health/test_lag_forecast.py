"""The replica-lag forecast: the lag a replica will reach once the WAL it holds is replayed.

A replica's lag keeps growing after the run stops writing, until the WAL it received is
replayed; the gate holds the run when that forecast passes the bound, not the lag now.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from alembic_zdm.health import checks


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [100.0]
    monkeypatch.setattr("time.monotonic", lambda: now[0])
    return now


def test_the_forecast_adds_the_pending_wal_at_the_measured_replay_rate(clock: list[float]) -> None:
    memory: dict[str, Any] = {}
    assert checks._ahead(0.1, 1e6, 0.0, memory) == (0.1, "")  # no rate yet: the lag now
    clock[0] += 1.0
    ahead, why = checks._ahead(0.2, 1e6, 2e6, memory)  # 2 MB replayed in 1 s
    assert ahead == pytest.approx(0.2 + 1e6 / 2e6)
    assert why == "0.7 s once the 1.0 MB received is replayed at 2.0 MB/s"
    clock[0] += 1.0
    ahead, _ = checks._ahead(0.2, 1e6, 3e6, memory)  # 1 MB/s now: smoothed to 1.5 MB/s
    assert ahead == pytest.approx(0.2 + 1e6 / 1.5e6)


def _replayed(clock: list[float], *positions: tuple[float, float]) -> dict[str, Any]:
    """The gate's memory after checks that saw each replay position, *dt* seconds apart."""
    memory: dict[str, Any] = {}
    for dt, replayed in positions:
        clock[0] += dt
        checks._ahead(0.0, 0.0, replayed, memory)
    return memory


def test_replay_that_does_not_advance_with_wal_waiting_is_unbounded(clock: list[float]) -> None:
    memory = _replayed(clock, (0.0, 5e6), (0.5, 9e6))
    clock[0] += 0.1
    ahead, why = checks._ahead(0.05, 40e3, 9e6, memory)  # paused: nothing replayed in 0.1 s
    assert math.isinf(ahead)
    assert why == "40 kB of WAL received and not being replayed"


def test_nothing_pending_is_the_lag_now(clock: list[float]) -> None:
    memory = _replayed(clock, (0.0, 1e6))
    clock[0] += 0.2
    assert checks._ahead(0.3, 0.0, 1e6, memory) == (0.3, "")


def test_checks_closer_than_20_ms_keep_the_last_rate(clock: list[float]) -> None:
    memory = _replayed(clock, (0.0, 0.0), (1.0, 1e6))
    clock[0] += 0.01
    ahead, _ = checks._ahead(0.1, 5e5, 1e6 + 10, memory)
    assert memory["rate"] == pytest.approx(1e6)
    assert ahead == pytest.approx(0.1 + 0.5)
    clock[0] += 0.99  # 1 s after the last measurement: measured over the whole second
    checks._ahead(0.1, 5e5, 1.5e6, memory)
    assert memory["rate"] == pytest.approx(0.5 * 5e5 + 0.5 * 1e6)
