"""Lint public Alembic histories the way a new user would, for docs/lint-real-world.md.

Usage::

    python -m bench.real_world ROOT [--json counts.json] [--sample 60 --seed 12]

``ROOT`` holds one folder per project, named ``owner+repo`` (a checkout, or just its
migrations). Each project is linted with ``alembic-zdm lint`` (the console command,
default settings, ``--no-cache``) with a target matching the project, run from the
folder that holds its ``alembic.ini`` so project settings are found as a user's run
finds them. Findings are counted per rule and split by the function they sit in
(forward: ``upgrade``/phases; undo: ``downgrade``/``undo_*``).

``--sample N --seed S`` draws N findings uniformly, without replacement, from all
findings of all projects, ordered by (project, path, line, column, rule) before
drawing with ``random.Random(S).sample``, and prints each with its source lines for
a reviewer to judge. The same inputs and seed give the same sample.
"""

from __future__ import annotations

import argparse
import ast
import collections
import json
import random
import subprocess
import sys
from pathlib import Path

# project folder → (versions folder, folder holding alembic.ini, target)
PROJECTS: dict[str, tuple[str, str, str]] = {
    "indico+indico": ("indico/migrations/versions", "indico/migrations", "postgresql>=14"),
    "pypi+warehouse": ("warehouse/migrations/versions", "warehouse/migrations", "postgresql>=17"),
    "CTFd+CTFd": ("migrations/versions", "migrations", "mariadb>=10.11"),
    "getredash+redash": ("migrations/versions", "migrations", "postgresql>=16"),
    "Netflix+lemur": ("lemur/migrations/versions", "lemur/migrations", "postgresql>=13"),
    "freedomofpress+securedrop": ("securedrop/alembic/versions", "securedrop", "sqlite"),
    "polarsource+polar": ("server/migrations/versions", "server/migrations", "postgresql>=15"),
}
UNDO = ("downgrade", "undo_expand", "undo_migrate", "undo_contract")


def lint_project(root: Path, name: str, extra: list[str]) -> list[dict[str, object]]:
    """Findings of one project as dicts (the JSON report), each with its function."""
    versions, cwd, target = PROJECTS[name]
    base = root / name
    cmd = [
        sys.executable,
        "-c",
        "import sys; from alembic_zdm.cli import main; sys.exit(main())",
        "lint",
        "--no-cache",
        "--format",
        "json",
        "--fail-level",
        "error",
        "--target",
        target,
        *extra,
        str((base / versions).resolve()),
    ]
    done = subprocess.run(cmd, cwd=base / cwd, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1, 2) or not done.stdout.strip():
        raise SystemExit(f"{name}: lint failed ({done.returncode}): {done.stderr.strip()}")
    findings: list[dict[str, object]] = json.loads(done.stdout)["findings"]
    ranges: dict[str, list[tuple[int, int, str]]] = {}
    for f in findings:
        path = Path(str(f["path"]))
        full = path if path.is_absolute() else base / cwd / path
        f["project"] = name
        f["file"] = full.resolve().relative_to(base.resolve()).as_posix()
        if f["file"] not in ranges:
            ranges[str(f["file"])] = _functions(full)
        f["function"] = next(
            (fn for lo, hi, fn in ranges[str(f["file"])] if lo <= int(str(f["line"])) <= hi),
            "module",
        )
    return findings


def _functions(path: Path) -> list[tuple[int, int, str]]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    except SyntaxError:
        return []
    return [
        (node.lineno, node.end_lineno or node.lineno, node.name)
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
    ]


def counts(findings: list[dict[str, object]]) -> dict[str, dict[str, int]]:
    """rule → {"forward": n, "undo": n}."""
    table: dict[str, dict[str, int]] = collections.defaultdict(lambda: {"forward": 0, "undo": 0})
    for f in findings:
        side = "undo" if f["function"] in UNDO else "forward"
        table[str(f["rule"])][side] += 1
    return dict(sorted(table.items()))


def show_sample(root: Path, findings: list[dict[str, object]], size: int, seed: int) -> None:
    """Print *size* findings drawn with *seed*, with the source lines around each."""
    ordered = sorted(
        findings,
        key=lambda f: (f["project"], f["file"], f["line"], f["column"], f["rule"]),
    )
    picked = random.Random(seed).sample(ordered, min(size, len(ordered)))
    for i, f in enumerate(picked, 1):
        lines = (root / str(f["project"]) / str(f["file"])).read_text(errors="replace").splitlines()
        line = int(str(f["line"]))
        print(f"--- #{i} {f['project']} {f['file']}:{line} {f['rule']} in {f['function']}()")
        print(f"    {f['message']}")
        print(f"    help: {f['help']}")
        for n in range(max(1, line - 2), min(len(lines), line + 3) + 1):
            print(f"    {'>' if n == line else ' '}{n:5} {lines[n - 1]}")


def markdown(report: dict[str, dict[str, dict[str, int]]]) -> str:
    """A Markdown table: one row per rule, one column per project, totals and undo share."""
    names = list(report)
    rules = sorted({r for table in report.values() for r in table})
    short = [n.split("+", 1)[1] for n in names]
    lines = [
        "| rule | " + " | ".join(short) + " | total | of which in undo functions |",
        "|---" * (len(names) + 3) + "|",
    ]
    for rid in rules:
        row = [sum(report[n].get(rid, {}).values()) for n in names]
        undo = sum(report[n].get(rid, {}).get("undo", 0) for n in names)
        lines.append(f"| {rid} | " + " | ".join(map(str, row)) + f" | {sum(row)} | {undo} |")
    totals = [sum(sum(v.values()) for v in report[n].values()) for n in names]
    undo_all = sum(v.get("undo", 0) for n in names for v in report[n].values())
    lines.append(
        "| **all** | " + " | ".join(map(str, totals)) + f" | **{sum(totals)}** | {undo_all} |"
    )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--json", type=Path, help="write counts per project and rule here")
    parser.add_argument("--dump", type=Path, help="write every finding here (JSON)")
    parser.add_argument("--markdown", action="store_true", help="print the counts as a table")
    parser.add_argument("--sample", type=int, default=0)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--project", action="append", help="only these projects")
    parser.add_argument("lint_args", nargs="*", help="extra lint options, after --")
    args = parser.parse_args(argv)
    names = args.project or list(PROJECTS)
    all_findings: list[dict[str, object]] = []
    report: dict[str, dict[str, dict[str, int]]] = {}
    for name in names:
        found = lint_project(args.root, name, args.lint_args)
        all_findings.extend(found)
        report[name] = counts(found)
        total = len(found)
        undo = sum(1 for f in found if f["function"] in UNDO)
        print(f"{name}: {total} findings ({undo} in undo functions)", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")
    if args.markdown:
        print(markdown(report))
    if args.dump:
        args.dump.write_text(json.dumps(all_findings, indent=1) + "\n")
    if args.sample:
        show_sample(args.root, all_findings, args.sample, args.seed)


if __name__ == "__main__":
    main()
