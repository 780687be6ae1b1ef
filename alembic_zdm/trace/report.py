"""The four faces of a trace: text, JSON, Markdown (pull-request comments), GitHub annotations."""

from __future__ import annotations

import json

from .model import HeldLock, TracedStatement, TraceReport


def _first_line(sql: str, width: int = 100) -> str:
    line = " ".join(sql.split())
    return line if len(line) <= width else line[: width - 1] + "…"


def _blocks(lock: HeldLock) -> str:
    what = [w for w, on in (("reads", lock.blocks_reads), ("writes", lock.blocks_writes)) if on]
    how = "" if lock.measured else " (from the lock mode)"
    return f"blocks {' and '.join(what)}{how}" if what else "blocks neither reads nor writes"


def _effects(st: TracedStatement) -> list[str]:
    out = [f"rewrites {t}" for t in st.rewrites]
    out += [f"scans {t}" for t in st.scans]
    if st.copied:
        out.append("copies the table")
    return out


def as_text(report: TraceReport) -> str:
    """Readable report, one block per step."""
    lines = [f"trace on {report.dialect} database {report.database}"]
    if not report.steps:
        lines.append("Nothing pending: no phase step ran.")
    for step in report.steps:
        lines.append(f"\n{step.label}")
        if not step.statements:
            lines.append("    (no statements)")
        for st in step.statements:
            flag = "  !" if st.write_block_ms > report.max_write_block_ms else "   "
            where = "in transaction" if st.in_transaction else "autocommit"
            lines.append(f"{flag} {st.duration_ms:9.1f} ms  {where:<14} {_first_line(st.sql)}")
            for lock in st.locks:
                rows = st.rows.get(lock.table)
                count = f", {rows:,} rows" if rows is not None else ""
                lines.append(
                    f"        {lock.mode} on {lock.table}{count}: held {lock.held_ms:.1f} ms, "
                    f"{_blocks(lock)}"
                )
            for effect in _effects(st):
                lines.append(f"        {effect}")
            if st.note:
                lines.append(f"        {st.note}")
    bad = report.violations()
    lines.append(
        f"\n{len(bad)} statement(s) kept writers out longer than {report.max_write_block_ms:g} ms"
        if bad
        else f"\nNo statement kept writers out longer than {report.max_write_block_ms:g} ms."
    )
    return "\n".join(lines)


def as_json(report: TraceReport) -> str:
    """The report as JSON (``trace/schema.json``)."""
    return json.dumps(report.as_dict(), indent=2)


def as_markdown(report: TraceReport) -> str:
    """A Markdown table per step, for a pull-request comment."""
    out = [f"### alembic-zdm trace ({report.dialect})", ""]
    for step in report.steps:
        out += [f"**{step.label}**", ""]
        out += [
            "| statement | ms | locks (held ms) | blocks writes | effects |",
            "|---|---:|---|---|---|",
        ]
        for st in step.statements:
            locks = (
                "<br>".join(f"{lk.mode} {lk.table} ({lk.held_ms:.0f})" for lk in st.locks) or "-"
            )
            blocks = (
                "**yes**"
                if st.write_block_ms > report.max_write_block_ms
                else ("briefly" if st.write_block_ms else "no")
            )
            sql = _first_line(st.sql, 80).replace("|", "\\|")
            effects = ", ".join(_effects(st)) or "-"
            out.append(f"| `{sql}` | {st.duration_ms:.0f} | {locks} | {blocks} | {effects} |")
        out.append("")
    bad = report.violations()
    out.append(
        f"**{len(bad)} statement(s) kept writers out longer than {report.max_write_block_ms:g} ms.**"
        if bad
        else f"No statement kept writers out longer than {report.max_write_block_ms:g} ms."
    )
    return "\n".join(out)


def as_github(report: TraceReport) -> str:
    """GitHub workflow annotations: an error per violation, a notice per rewrite."""
    out = []
    for step in report.steps:
        where = f"file={step.path}," if step.path else ""
        for st in step.statements:
            text = _first_line(st.sql, 120).replace("%", "%25").replace("\n", " ")
            if st.write_block_ms > report.max_write_block_ms:
                out.append(
                    f"::error {where}title=ZDM trace::{step.label}: {text} kept writers out for "
                    f"{st.write_block_ms:.0f} ms (limit {report.max_write_block_ms:g} ms)"
                )
            for table in st.rewrites:
                out.append(
                    f"::warning {where}title=ZDM trace::{step.label}: {text} rewrites {table}"
                )
    return "\n".join(out)


FORMATS = {"text": as_text, "json": as_json, "markdown": as_markdown, "github": as_github}
