"""Kill the phase runner inside one revision of a public history, then re-run (``--kill``).

The runner is started with ``upgrade zdm-phase:1`` and sent SIGKILL a chosen time after
it starts the step of revision REV (its ``running expand of REV`` line): at once, and
after each delay of ``--kill-delays``. The same command is then run again, then
``upgrade head``, and the catalog must equal stock's ``upgrade head``, with every step
``done``. This exercises resuming on a real env.py and on real revisions — ones that
commit by themselves, or build indexes concurrently in ``autocommit_block()`` — where the
kill matrix of tests/resume covers alembic-zdm's own operations.
"""

from __future__ import annotations

import dataclasses
import signal
import time
from pathlib import Path
from typing import Any

from history_catalog import catalog, diff, state_counts
from history_runner import Databases, alembic, start, write_ini
from history_table import History


@dataclasses.dataclass
class KillRun:
    """One kill and the re-runs after it."""

    delay_s: float
    killed: bool
    state_after_kill: dict[str, int]
    error: str | None
    differences: list[str]
    state: dict[str, int]


def kill_runs(
    history: History,
    folder: Path,
    workdir: Path,
    dbs: Databases,
    revision: str,
    delays: list[float],
    reference: dict[str, Any],
) -> list[KillRun]:
    """SIGKILL inside *revision* after each of *delays*; re-run; compare with *reference*."""
    found = []
    for delay in delays:
        url = dbs.new(f"kill-{len(found)}")
        write_ini(workdir, folder, url)
        runner = start("plugin", workdir, url, history, "upgrade", "zdm-phase:1")
        killed = False
        assert runner.stdout is not None
        for line in runner.stdout:
            if f"running expand of {revision}" in line:
                time.sleep(delay)
                runner.send_signal(signal.SIGKILL)
                killed = True
                break
        runner.communicate()
        after_kill = state_counts(url)
        error = None
        for args in (["upgrade", "zdm-phase:1"], ["upgrade", "head"]):
            outcome = alembic("plugin", workdir, url, history, *args)
            (workdir / f"kill-{delay}-{'-'.join(args)}.log").write_text(outcome.log)
            error = error or outcome.error
        lines = diff(reference, catalog(url))
        run = KillRun(delay, killed, after_kill, error, lines, state_counts(url))
        print(
            f"  kill   {revision} +{delay:.3f} s: {'killed' if killed else 'NOT KILLED'}, "
            f"state then {after_kill}; re-run {error or 'ok'}, {len(lines)} differences",
            flush=True,
        )
        found.append(run)
    return found


def problems(runs: list[KillRun]) -> list[str]:
    """What went wrong: a re-run that failed, a catalog that differs, a step not done."""
    found = []
    for run in runs:
        at = f"kill +{run.delay_s:.3f} s"
        if not run.killed:
            found.append(f"{at}: the revision's step never started (not killed)")
        if run.error:
            found.append(f"{at}: re-run failed: {run.error}")
        if run.differences:
            found.append(f"{at}: {len(run.differences)} catalog differences")
        if set(run.state) - {"done"}:
            found.append(f"{at}: state {run.state}")
    return found
