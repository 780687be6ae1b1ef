"""Which files to lint: discovery, ``exclude``, ``--since GITREF``, ``--baseline REV``."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from .settings import LintUsageError

_REVISION = re.compile(r"^revision\s*(?::[^=\n]*)?=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN = re.compile(r"^down_revision\s*(?::[^=\n]*)?=\s*(.+)$", re.MULTILINE)
_QUOTED = re.compile(r"['\"]([^'\"]+)['\"]")


def discover(paths: Sequence[Path], exclude: Sequence[str], root: Path) -> list[Path]:
    """Python files under *paths* (files given by name are always kept, unless excluded)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                p
                for p in sorted(path.rglob("*.py"))
                if "__pycache__" not in p.parts and p.name != "__init__.py"
            )
        elif path.exists():
            found.append(path)
        else:
            raise LintUsageError(f"No such file or folder: {path}.")
    unique = list(dict.fromkeys(found))
    return [p for p in unique if not excluded(p, exclude, root)] if exclude else unique


def excluded(path: Path, patterns: Iterable[str], root: Path) -> bool:
    """Whether *path* matches an ``exclude`` pattern (relative to *root*, or by file name)."""
    try:
        rel = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        rel = path.as_posix()
    return any(fnmatch.fnmatch(rel, pat) or fnmatch.fnmatch(path.name, pat) for pat in patterns)


def changed_since(files: Sequence[Path], gitref: str, cwd: Path) -> list[Path]:
    """The *files* added or changed since *gitref* (committed, staged, unstaged or untracked)."""

    def git(*args: str) -> str:
        try:
            import subprocess  # only for --since: keeps a plain run's start-up small

            done = subprocess.run(
                ["git", *args], cwd=cwd, capture_output=True, text=True, check=False
            )
        except OSError as exc:
            raise LintUsageError(f"--since needs git: {exc}.") from None
        if done.returncode != 0:
            raise LintUsageError(
                f"--since {gitref}: git {args[0]} failed: {done.stderr.strip() or done.stdout.strip()}."
            )
        return done.stdout

    top = Path(git("rev-parse", "--show-toplevel").strip())
    names = git("diff", "--name-only", "--diff-filter=ACMR", gitref, "--").splitlines()
    names += git("ls-files", "--others", "--exclude-standard").splitlines()
    changed = {(top / name).resolve() for name in names if name}
    return [f for f in files if f.resolve() in changed]


def revision_ids(source: str) -> tuple[str | None, tuple[str, ...]]:
    """``revision`` and ``down_revision`` of a revision file, read without parsing it."""
    match = _REVISION.search(source)
    down = _DOWN.search(source)
    downs = tuple(_QUOTED.findall(down.group(1))) if down else ()
    return (match.group(1) if match else None), downs


def newer_than(files: Sequence[Path], base: str) -> list[Path]:
    """The *files* whose revision descends from revision *base* in the down_revision graph."""
    ids: dict[Path, tuple[str | None, tuple[str, ...]]] = {}
    for path in files:
        try:
            ids[path] = revision_ids(path.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
    known = {rev for rev, _ in ids.values() if rev}
    matches = [rev for rev in known if rev.startswith(base)]
    if len(matches) != 1:
        problem = (
            "matches no revision" if not matches else f"is ambiguous ({', '.join(sorted(matches))})"
        )
        raise LintUsageError(f"--baseline {base} {problem} among the linted files.")
    children: dict[str, list[str]] = {}
    for rev, downs in ids.values():
        for down in downs:
            if rev:
                children.setdefault(down, []).append(rev)
    newer: set[str] = set()
    todo = [matches[0]]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in newer:
                newer.add(child)
                todo.append(child)
    return [path for path, (rev, _) in ids.items() if rev in newer]
