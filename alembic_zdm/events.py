"""Events of a run (DESIGN §13): what listeners, the audit log and tracing see.

A run emits, in this order: ``migration:start``; per phase step ``step:start``, any
``backfill:progress`` of that step, then ``step:complete`` or ``error``;
``rollback:complete`` after a downgrade or rollback that undid steps; and
``migration:complete`` (with ``outcome`` ``ok`` or ``failed``). The health gates add
``health:throttle`` and ``health:abort``.

Listeners are callables taking one :class:`Event`. They come from three places:
code (:func:`add_listener`, e.g. in ``env.py``), the ``listeners`` setting
(``["pkg.mod:fn"]``) and the ``alembic_zdm.listeners`` entry-point group. Built in:
a JSON-lines audit log (``event_log = "path"``) and OpenTelemetry spans when
``opentelemetry-api`` is installed. A listener that raises is logged and skipped:
it never breaks the migration.
"""

from __future__ import annotations

import dataclasses
import decimal
import importlib
import json
import logging
import math
import os
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .frozen import frozen_record

if TYPE_CHECKING:
    from .config import ZdmSettings

log = logging.getLogger("alembic.zdm.events")

EVENT_NAMES = (
    "migration:start",
    "step:start",
    "step:complete",
    "backfill:progress",
    "health:throttle",
    "health:abort",
    "contract:forced",
    "error",
    "rollback:complete",
    "migration:complete",
)
ENTRY_POINT_GROUP = "alembic_zdm.listeners"


@frozen_record
class Event:
    """One thing that happened during a run.

    :param name: one of :data:`EVENT_NAMES`.
    :param time: seconds since the epoch.
    :param command: ``upgrade``, ``downgrade`` or ``rollback``.
    :param revision: the revision of a step event.
    :param phase: ``expand``, ``migrate`` or ``contract`` for a step event.
    :param undo: True when the step undoes its phase.
    :param duration_s: for ``step:complete``, ``error`` and ``*:complete``.
    :param rows: backfill rows done so far (``backfill:progress``).
    :param reason: why (``error``, ``health:*``), or the outcome of ``migration:complete``.
    :param data: further fields of the event (``target``, ``steps``, ``table``, ``check``, …).
    """

    name: str
    time: float
    command: str | None = None
    revision: str | None = None
    phase: str | None = None
    undo: bool = False
    duration_s: float | None = None
    rows: int | None = None
    reason: str | None = None
    data: dict[str, Any] = dataclasses.field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The event as JSON-ready data (what the audit log writes)."""
        out = dataclasses.asdict(self)
        out["data"] = {k: _jsonable(v) for k, v in self.data.items()}
        return out


Listener = Callable[[Event], None]

_code_listeners: list[Listener] = []
_resolved: dict[tuple[str, ...], list[Listener]] = {}
_entry_points: list[Listener] | None = None
_lock = threading.Lock()


def add_listener(listener: Listener) -> None:
    """Call *listener* with every event of every run in this process (e.g. from env.py)."""
    _code_listeners.append(listener)


def remove_listener(listener: Listener) -> None:
    """Stop calling *listener*."""
    _code_listeners.remove(listener)


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Call *listener* with the events emitted inside the block."""
    add_listener(listener)
    try:
        yield
    finally:
        remove_listener(listener)


def _jsonable(value: Any) -> Any:
    """*value* as strict JSON holds it: ``inf`` / ``nan`` (a stopped replica's lag) as the
    strings ``"inf"`` / ``"nan"`` (``json.dumps`` would write ``Infinity``, which JSON-lines
    readers refuse), a ``Decimal`` (a ``health_sql`` answer) as a number, anything else
    unknown (a date, say) as its text."""
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, decimal.Decimal):
        return _jsonable(float(value))
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def _load(spec: str, setting: str = "listeners", what: str = "Listener") -> Listener:
    from .errors import ConfigError

    module_name, _, attr = spec.partition(":")
    try:
        target: Any = importlib.import_module(module_name)
        for part in attr.split(".") if attr else ():
            target = getattr(target, part)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(
            f"{what} {spec!r} in the {setting!r} setting cannot be loaded ({exc}); "
            "write it as 'package.module:function'."
        ) from None
    if not attr or not callable(target):
        raise ConfigError(
            f"{what} {spec!r} in the {setting!r} setting is not a callable; "
            "write it as 'package.module:function'."
        )
    listener: Listener = target
    return listener


def _group_entry_points(group_name: str = ENTRY_POINT_GROUP) -> list[Any]:
    """The entry points of *group_name* (:data:`ENTRY_POINT_GROUP`), as
    ``entry_points(group=…)`` finds them: the first distribution of a name on
    ``sys.path`` wins.

    This runs once per ``alembic`` command, so it reads each installed distribution's
    ``entry_points.txt`` as bytes and parses only the ones that name the group: half
    of what ``importlib.metadata.distributions()`` costs for the same answer. Path
    entries that are not folders (zip files) and finders of distributions other than
    the standard one are asked through ``importlib.metadata``.

    What each folder on ``sys.path`` holds is kept in a small file beside this module's
    bytecode (:func:`_scan_cache_path`) with the folder's modification time:
    installing, upgrading or removing a distribution adds or removes a ``.dist-info``
    folder, which changes the time, and the next command scans that folder again. A
    cache that cannot be read or written is ignored; none is written when Python writes
    no bytecode (``PYTHONDONTWRITEBYTECODE``, ``-B``).
    """
    import importlib.machinery
    import importlib.metadata as md
    import pathlib

    found: list[Any] = []
    seen: set[str] = set()

    def take(dist: Any, name: str | None) -> None:
        if name is not None:
            if name in seen:
                return
            seen.add(name)
        text = dist.read_text("entry_points.txt")
        if text and f"[{group_name}]" in text:
            found.extend(dist.entry_points.select(group=group_name))

    for finder in sys.meta_path:
        if finder is not importlib.machinery.PathFinder and hasattr(finder, "find_distributions"):
            for dist in finder.find_distributions(md.DistributionFinder.Context()):
                take(dist, getattr(dist, "_normalized_name", None))
    zipped = {entry for entry in sys.path if os.path.isfile(entry)}
    listings = _folder_listings(group_name, [e for e in sys.path if e not in zipped])
    for entry in sys.path:  # in sys.path's order: the first distribution of a name wins
        if entry in zipped:
            for dist in md.distributions(path=[entry]):
                take(dist, getattr(dist, "_normalized_name", None))
            continue
        for name, path, named in listings.get(entry, ()):
            if name in seen:
                continue
            seen.add(name)
            if named:
                dist = md.PathDistribution(pathlib.Path(path))
                found.extend(dist.entry_points.select(group=group_name))
    return found


def _scan_cache_path() -> str:
    """Where :func:`_folder_listings` keeps its answers: this module's ``__pycache__``
    folder (or ``sys.pycache_prefix``), which Python itself writes bytecode to."""
    import importlib.util

    return os.path.join(
        os.path.dirname(importlib.util.cache_from_source(__file__)), "zdm-entry-points.json"
    )


def _folder_listings(group_name: str, folders: list[str]) -> dict[str, list[Any]]:
    """For each folder of *folders* (``sys.path`` entries), ``(normalized name, path,
    names the group)`` of every distribution in it (:func:`_folder_listing`).

    Each folder's listing is kept with the folder's modification time, so a change in
    one folder lists only it again; the cache is not rewritten for a folder that held no
    distribution before and holds none now.
    """
    cache = _scan_cache_path()
    kept: dict[str, Any] = {}
    try:
        with open(cache, encoding="utf-8") as fh:
            loaded = json.load(fh)
        if isinstance(loaded, dict) and loaded.get("group") == group_name:
            kept = loaded["folders"]
    except (OSError, ValueError, TypeError, KeyError):
        pass
    changed = False
    listings: dict[str, list[Any]] = {}
    for entry in folders:
        folder = os.path.abspath(entry or ".")
        try:
            mtime = os.stat(folder).st_mtime_ns
        except OSError:
            continue
        listing: Any = kept.get(folder)
        valid = isinstance(listing, list) and len(listing) == 2
        if valid and listing[0] == mtime:
            listings[entry] = listing[1]
            continue
        dists = _folder_listing(group_name, folder)
        listings[entry] = dists
        # a folder that held no distribution and still holds none (the project folder,
        # whose time moves with every file written there) is not written back: listing
        # it again costs less than rewriting the cache every run
        if dists or not valid or listing[1]:
            kept[folder] = [mtime, dists]
            changed = True
    if changed and not sys.dont_write_bytecode:  # -B, PYTHONDONTWRITEBYTECODE: no files
        try:
            os.makedirs(os.path.dirname(cache), exist_ok=True)
            tmp = f"{cache}.{os.getpid()}.tmp"
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump({"group": group_name, "folders": kept}, fh)
            os.replace(tmp, cache)
        except OSError:
            pass
    return listings


def _folder_listing(group_name: str, folder: str) -> list[tuple[str, str, bool]]:
    """``(normalized name, path, names the group)`` of each distribution in *folder*,
    in ``importlib.metadata``'s order: every ``.dist-info``, then every ``.egg-info``."""
    import re

    header = f"[{group_name}]".encode()  # compared with the raw bytes of each file
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    metadata = [n for n in names if n.lower().endswith((".dist-info", ".egg-info"))]
    metadata.sort(key=lambda n: n.lower().endswith(".egg-info"))
    listing: list[tuple[str, str, bool]] = []
    for stem in metadata:
        name = re.sub(r"[-_.]+", "_", stem.rpartition(".")[0].partition("-")[0]).lower()
        path = os.path.join(folder, stem)
        try:
            with open(os.path.join(path, "entry_points.txt"), "rb") as fh:
                named = header in fh.read()
        except OSError:  # no entry points (or an .egg-info file)
            named = False
        listing.append((name, path, named))
    return listing


def _from_entry_points() -> list[Listener]:
    global _entry_points
    if _entry_points is None:
        found: list[Listener] = []
        for ep in _group_entry_points():
            try:
                found.append(ep.load())
            except Exception as exc:  # a broken plugin must not stop migrations
                log.warning("alembic-zdm: listener entry point %s cannot be loaded: %s", ep, exc)
        _entry_points = found
    return _entry_points


def _configured(settings: ZdmSettings) -> list[Listener]:
    key = (*settings.listeners, settings.event_log or "")
    with _lock:
        if key not in _resolved:
            found = [_load(spec) for spec in settings.listeners]
            if settings.event_log:
                found.append(AuditLog(settings.event_log))
            _resolved[key] = found
        return _resolved[key]


def emit(settings: ZdmSettings, name: str, **fields: Any) -> Event:
    """Build the event *name* and hand it to every listener; return it.

    Known fields (see :class:`Event`) are taken as such; any other keyword goes
    into :attr:`Event.data`.
    """
    known = {f.name for f in dataclasses.fields(Event)} - {"name", "time", "data"}
    data = {k: v for k, v in fields.items() if k not in known}
    event = Event(name, time.time(), **{k: v for k, v in fields.items() if k in known}, data=data)
    targets = [*_code_listeners, *_configured(settings), *_from_entry_points()]
    if _otel_tracer() is not None:
        targets.append(_spans)
    for listener in targets:
        try:
            listener(event)
        except Exception as exc:
            log.warning(
                "alembic-zdm: listener %s failed on %s and was skipped: %s",
                getattr(listener, "__qualname__", listener),
                name,
                exc,
            )
    return event


class AuditLog:
    """A listener that appends each event as one JSON line: who, where, what, outcome."""

    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(os.path.expanduser(path))
        try:
            import getpass  # only an audit log needs it

            user = getpass.getuser()
        except Exception:
            user = str(os.getuid()) if hasattr(os, "getuid") else "unknown"
        self.who = {"user": user, "host": socket.gethostname(), "pid": os.getpid()}
        self._lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        """Append *event* to the log file."""
        record = {**self.who, **event.as_dict()}
        line = json.dumps(_jsonable(record), sort_keys=True, allow_nan=False)
        with self._lock, open(self.path, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")


_tracer: Any = None
_tracer_checked = False
_open_spans: dict[tuple[Any, ...], Any] = {}


def _otel_tracer() -> Any:
    """The OpenTelemetry tracer, once the process has imported OpenTelemetry.

    Spans are recorded only by a tracer provider the application set up, and setting
    one up imports ``opentelemetry.trace``; until then alembic-zdm does not import it
    (that import alone costs more than a plain run's whole overhead budget).
    """
    global _tracer, _tracer_checked
    if not _tracer_checked:
        trace = sys.modules.get("opentelemetry.trace")
        if trace is None:
            return None
        _tracer_checked = True
        _tracer = trace.get_tracer("alembic_zdm")
    return _tracer


def _span_key(event: Event) -> tuple[Any, ...]:
    if event.name.startswith("migration:"):
        return ("migration", event.command)
    return ("step", event.revision, event.phase, event.undo)


def _spans(event: Event) -> None:
    """OpenTelemetry: a span per run and per step, ended with the outcome."""
    tracer = _otel_tracer()
    if event.name in ("migration:start", "step:start"):
        name = "alembic-zdm " + (
            str(event.command)
            if event.name == "migration:start"
            else f"{'undo ' if event.undo else ''}{event.phase} {event.revision}"
        )
        attributes = {
            k: v
            for k, v in (
                ("zdm.revision", event.revision),
                ("zdm.phase", event.phase),
                ("zdm.command", event.command),
            )
            if v is not None
        }
        parent = _open_spans.get(("migration", event.command))
        context = None
        if parent is not None and event.name == "step:start":
            from opentelemetry.trace import set_span_in_context

            context = set_span_in_context(parent)
        _open_spans[_span_key(event)] = tracer.start_span(
            name, context=context, attributes=attributes
        )
        return
    if event.name in ("step:complete", "error", "migration:complete"):
        span = _open_spans.pop(_span_key(event), None)
        if span is None and event.name == "error":
            span = _open_spans.pop(("migration", event.command), None)
        if span is None:
            return
        failed = event.name == "error" or event.reason == "failed"
        if failed:
            from opentelemetry.trace import Status, StatusCode

            span.set_status(Status(StatusCode.ERROR, event.reason or ""))
        span.end()
        return
    span = _open_spans.get(("step", event.revision, event.phase, event.undo))
    if span is not None:
        span.add_event(event.name, attributes={"zdm.rows": event.rows or 0})


_command: str | None = None


def current_command() -> str | None:
    """The command of the run in progress (``upgrade``, ``downgrade``, ``rollback``)."""
    return _command


@contextmanager
def run_scope(settings: ZdmSettings, command: str, target: str | None) -> Iterator[None]:
    """Emit ``migration:start`` now and ``migration:complete`` when the block ends.

    An exception that no step reported (a runner lock, a conflict) is emitted as
    ``error`` first. The block's exception propagates unchanged.
    """
    global _command
    outer, _command = _command, command
    started = time.monotonic()
    emit(settings, "migration:start", command=command, target=target)

    def complete(outcome: str) -> None:
        duration = time.monotonic() - started
        emit(
            settings,
            "migration:complete",
            command=command,
            target=target,
            duration_s=duration,
            reason=outcome,
        )

    try:
        yield
    except BaseException as exc:
        if not getattr(exc, "_zdm_reported", False):
            emit(settings, "error", command=command, reason=_first_line(exc))
        complete("failed")
        raise
    else:
        complete("ok")
    finally:
        _command = outer


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
