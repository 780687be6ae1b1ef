"""One PNG per scenario: every application statement's latency over time, phases marked.

Four panels: naive and alembic-zdm side by side, without and with the long-running
transaction. The y axis is logarithmic and shared, so a stall of seconds and a
sub-millisecond read are both visible. Uses matplotlib's Agg backend (no display).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bench.scenario_run import NAIVE, OK, ZDM, RunResult

SLOW_MS = 50.0
"""Statements at least this slow are drawn as a bar from when they were sent to when they ended."""
KIND_COLOURS = {"read": "#4878d0", "update": "#ee854a", "insert": "#6acc64"}
STYLE_NAMES = {NAIVE: "naive Alembic", ZDM: "alembic-zdm"}


def _panel(ax: object, run: RunResult | None, limit_ms: float) -> None:
    from matplotlib.axes import Axes

    assert isinstance(ax, Axes)
    if run is None or run.status not in (OK, "failed") or not run.samples:
        detail = "" if run is None else f"{run.status}\n{run.detail}"
        ax.text(0.5, 0.5, detail or "not run", ha="center", va="center", wrap=True, fontsize=8)
        ax.set_xticks([])
        return
    origin = run.origin
    for kind, colour in KIND_COLOURS.items():
        ok = [s for s in run.samples if s.kind == kind and s.sqlstate is None]
        ax.scatter(
            [s.start - origin for s in ok],
            [max(s.latency * 1000, 0.01) for s in ok],
            s=3,
            c=colour,
            label=kind,
            alpha=0.6,
            linewidths=0,
        )
    slow = [s for s in run.samples if s.latency * 1000 >= SLOW_MS]
    if slow:
        ax.hlines(
            [s.latency * 1000 for s in slow],
            [s.start - origin for s in slow],
            [s.end - origin for s in slow],
            colors=[KIND_COLOURS.get(s.kind, "#333333") for s in slow],
            lw=1.2,
            alpha=0.8,
        )
        ax.scatter(
            [s.start - origin for s in slow],
            [s.latency * 1000 for s in slow],
            s=12,
            c=[KIND_COLOURS.get(s.kind, "#333333") for s in slow],
            edgecolors="black",
            linewidths=0.4,
        )
    errors = [s for s in run.samples if s.sqlstate is not None]
    if errors:
        ax.scatter(
            [s.start - origin for s in errors],
            [max(s.latency * 1000, 0.01) for s in errors],
            s=14,
            c="#d62728",
            marker="x",
            label=f"error ({len(errors)})",
        )
    begin = next((m.t for m in run.markers if m.label == "migration starts"), None)
    end = next((m.t for m in run.markers if m.label == "migration ends"), None)
    if begin is not None and end is not None:
        ax.axvspan(begin, max(end, begin + 0.02), color="#9ecae1", alpha=0.25, lw=0)
    locks = [m.t for m in run.markers if m.kind == "lock"]
    if len(locks) == 2:
        ax.axvspan(locks[0], locks[1], ymin=0.0, ymax=0.04, color="#e6550d", alpha=0.8, lw=0)
    for marker in run.markers:
        if marker.kind == "phase" and marker.label not in ("migration starts", "migration ends"):
            ax.axvline(marker.t, color="#555555", lw=0.8, ls="--")
            ax.text(
                marker.t,
                0.97,
                f" {marker.label}",
                rotation=90,
                va="top",
                ha="left",
                fontsize=6,
                transform=ax.get_xaxis_transform(),
                color="#333333",
            )
    ax.axhline(limit_ms, color="#d62728", lw=0.6, ls=":")
    ax.set_yscale("log")
    worst = max((s.latency * 1000 for s in run.samples), default=1.0)
    ax.set_ylim(0.05, max(3 * worst, 2 * limit_ms))
    ax.grid(True, which="major", lw=0.3, alpha=0.5)


def plot_scenario(runs: Sequence[RunResult], limit_ms: float, path: Path) -> Path:
    """Write the four-panel plot of one scenario's runs to *path*; return it."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    def find(style: str, lock_queue: bool) -> RunResult | None:
        return next((r for r in runs if r.style == style and r.lock_queue == lock_queue), None)

    fig, axes = plt.subplots(2, 2, figsize=(11, 6.5), squeeze=False)
    for row, lock_queue in enumerate((False, True)):
        for col, style in enumerate((NAIVE, ZDM)):
            ax = axes[row][col]
            _panel(ax, find(style, lock_queue), limit_ms)
            suffix = ", long transaction holds a lock" if lock_queue else ""
            ax.set_title(f"{STYLE_NAMES[style]}{suffix}", fontsize=9)
            if col == 0:
                ax.set_ylabel("statement latency (ms, log)")
            if row == 1:
                ax.set_xlabel("seconds since the load started")
    handles, labels = [], []
    for ax in axes.flat:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    fig.legend(handles, labels, loc="lower center", ncol=len(labels) + 1, fontsize=8, markerscale=3)
    title = runs[0].title if runs else path.stem
    fig.suptitle(
        f"{title}: latency of each application statement, at the time it was sent\n"
        f"(bars: statements ≥ {SLOW_MS:.0f} ms, sent → answered; blue band: migration; "
        f"orange: long transaction; red dotted: {limit_ms:.0f} ms)",
        fontsize=10,
    )
    fig.tight_layout(rect=(0, 0.05, 1, 0.94))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
