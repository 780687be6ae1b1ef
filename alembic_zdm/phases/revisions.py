"""Discover the phase functions of revision modules and check their shape."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic.script import Script, ScriptDirectory
from alembic.util import CommandError

from ..errors import RevisionImportError, RevisionShapeError
from ..frozen import frozen_record
from .model import Phase

PHASE_FUNCTIONS = ("expand", "migrate", "contract")
UNDO_FUNCTIONS = ("undo_expand", "undo_migrate", "undo_contract")


@frozen_record
class RevisionPhases:
    """What the runner needs to know about one revision.

    A *phased* revision defines any of ``expand``/``migrate``/``contract`` and always
    has the three phases (a missing function is an empty phase, still carrying the
    revision's pattern ops). A *plain* revision has one phase, expand, run by
    ``upgrade()`` and undone by ``downgrade()``.
    """

    revision: str
    script: Script
    phased: bool

    @property
    def checksum(self) -> str:
        """SHA-256 of the revision file now (read when asked: the fast path never needs it)."""
        return file_checksum(self.script.path)

    @property
    def phases(self) -> tuple[Phase, ...]:
        """The phases this revision has, in order."""
        return tuple(Phase) if self.phased else (Phase.EXPAND,)

    @property
    def last_phase(self) -> Phase:
        """The phase whose completion completes the revision."""
        return self.phases[-1]

    @property
    def module(self) -> Any:
        """The imported revision module."""
        return self.script.module

    def function(self, phase: Phase, undo: bool) -> Callable[[], Any] | None:
        """The revision's own function for *phase* (or its undo), if defined."""
        if not self.phased:
            name = "downgrade" if undo else "upgrade"
        else:
            name = phase.undo_name if undo else phase.label
        fn = getattr(self.module, name, None)
        return fn if callable(fn) else None

    @property
    def expand_function(self) -> Callable[[], Any] | None:
        """``expand()`` of a phased revision (replayed to find its pattern ops)."""
        return self.function(Phase.EXPAND, undo=False) if self.phased else None


def file_checksum(path: str | None) -> str:
    """SHA-256 of a revision file's bytes (empty string when there is no file)."""
    import hashlib

    if not path:
        return ""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return ""


def load_revision(script: Script) -> RevisionPhases:
    """Inspect a revision module; raise :class:`RevisionShapeError` if it is malformed."""
    module = script.module
    namespace = vars(module)
    phased = any(name in namespace for name in PHASE_FUNCTIONS)
    if not phased:  # a plain revision is Alembic's business, once it has an upgrade()
        if not callable(namespace.get("upgrade")):
            raise RevisionShapeError(
                f"{_where(script).capitalize()} defines neither upgrade() nor "
                "expand()/migrate()/contract(); add the phase functions (see "
                "'alembic-zdm init --existing' for the template)."
            )
        return RevisionPhases(script.revision, script, False)
    for name in PHASE_FUNCTIONS + UNDO_FUNCTIONS:
        if name not in namespace:
            continue
        fn = namespace[name]
        if not callable(fn):
            raise RevisionShapeError(
                f"In {_where(script)}, {name} is a {type(fn).__name__}, not a function; "
                f"define it as 'def {name}() -> None:'."
            )
        _check_signature(_where(script), name, fn)
    return RevisionPhases(script.revision, script, True)


def _where(script: Script) -> str:
    return f"revision {script.revision} ({Path(script.path).name})"


def _check_signature(where: str, name: str, fn: Callable[..., Any]) -> None:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return
    required = [
        p.name
        for p in sig.parameters.values()
        if p.default is inspect.Parameter.empty
        and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]
    if required:
        raise RevisionShapeError(
            f"In {where}, {name}() takes required arguments ({', '.join(required)}); "
            f"phase functions are called with none: write 'def {name}() -> None:'."
        )


def script_directory(config: Any) -> ScriptDirectory:
    """``ScriptDirectory.from_config`` with every revision file imported now.

    Alembic imports them all anyway (lazily, on first use of the revision map); doing it
    here turns a file that cannot be imported into one :class:`RevisionImportError`
    sentence — file, line, error — instead of a traceback from deep inside a command.
    """
    script = ScriptDirectory.from_config(config)
    try:
        script.revision_map.heads  # noqa: B018  (the property imports every revision file)
    except CommandError:
        raise
    except Exception as exc:
        raise import_error(script, exc) from exc
    return script


def import_error(script: ScriptDirectory, exc: Exception) -> RevisionImportError:
    """The one-sentence error for a revision file of *script* that raised *exc* on import.

    The plugin raises it from Alembic's revision loading, so every command says it
    (:mod:`alembic_zdm.plugin`).
    """
    return RevisionImportError(_import_failure(script, exc))


def _import_failure(script: ScriptDirectory, exc: Exception) -> str:
    import traceback

    path: str | None = None
    line: int | None = None
    if isinstance(exc, SyntaxError) and exc.filename:
        path, line = exc.filename, exc.lineno
        error = f"{type(exc).__name__}: {exc.msg}"
    else:
        folders = [Path(p).resolve() for p in script._version_locations]
        for frame in traceback.extract_tb(exc.__traceback__):
            where = Path(frame.filename).resolve()
            if where.suffix == ".py" and any(f in where.parents for f in folders):
                path, line = frame.filename, frame.lineno
        error = (
            f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
        )
        error = error.rstrip(": ")
    if path is None:
        return (
            f"A revision file could not be imported ({error}); fix it and run the command "
            "again (--raiseerr shows the traceback)."
        )
    return (
        f"Revision file {_shown(path)} cannot be imported: line {line}: {error}; fix the file "
        "and run the command again (--raiseerr shows the traceback)."
    )


def _shown(path: str) -> str:
    import os

    try:
        relative = os.path.relpath(path)
    except ValueError:
        return path
    return path if relative.startswith("..") else relative
