"""``[tool.alembic_zdm.lint]``: read, validate and merge with command-line options.

.. code-block:: toml

    [tool.alembic_zdm.lint]
    target = "postgresql>=15"
    select = ["ALL"]              # ids or prefixes ("ZDM1")
    ignore = ["ZDM123"]
    severity = { ZDM207 = "error", ZDM211 = "info" }
    exclude = ["migrations/versions/legacy_*.py"]
    fail-level = "warning"        # info | warning | error
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .model import Project, Severity
from .target import DEFAULT_TARGET, Target

_KEYS = ("select", "ignore", "severity", "target", "exclude", "fail-level", "cache-dir")


class LintUsageError(Exception):
    """Bad settings, options or input: the linter exits with code 2.

    Deliberately not an Alembic ``CommandError``: the linter core never imports
    Alembic (or SQLAlchemy), which keeps cold runs and pre-commit hooks fast. The
    CLI turns it into a one-line error and exit code 2.
    """

    exit_code = 2


@dataclasses.dataclass(frozen=True)
class LintSettings:
    """Everything that changes which findings a file gets."""

    target: Target = DEFAULT_TARGET
    select: tuple[str, ...] = ("ALL",)
    ignore: tuple[str, ...] = ()
    severity: tuple[tuple[str, Severity], ...] = ()
    exclude: tuple[str, ...] = ()
    fail_level: Severity = Severity.WARNING
    cache_dir: str | None = None

    @property
    def target_chosen(self) -> bool:
        """Whether a target was given (setting, ``--target``, or the API); if not, the
        database of the project's ``sqlalchemy.url`` is used when it is visible."""
        return self.target is not DEFAULT_TARGET

    def for_project(self, project: Project) -> LintSettings:
        """These settings with the project's database as target, unless one was chosen."""
        if self.target_chosen or project.dialect is None:
            return self
        return dataclasses.replace(self, target=Target.parse(project.dialect.value))

    def enabled(self, rule_id: str) -> bool:
        """Whether *rule_id* is selected and not ignored (longest matching prefix wins)."""
        sel = _longest(rule_id, self.select)
        ign = _longest(rule_id, self.ignore)
        return sel >= 0 and sel > ign

    def named(self, rule_id: str) -> bool:
        """Whether *rule_id* is selected by its id or a prefix (``ZDM004``, ``ZDM0``), not only by ``ALL``.

        Some rules have parts that are off by default (ZDM004 on a plain revision's
        empty ``downgrade()``); naming the rule in ``select`` turns them on.
        """
        sel = _longest(rule_id, [p for p in self.select if p != "ALL"])
        return sel > 0 and sel > _longest(rule_id, self.ignore)

    def severity_of(self, rule_id: str, default: Severity) -> Severity:
        """The configured severity of *rule_id*, else its default."""
        return dict(self.severity).get(rule_id, default)

    def fingerprint(self) -> str:
        """Hash of the settings that change findings (for the result cache)."""
        data = repr((str(self.target), self.select, self.ignore, self.severity))
        return hashlib.blake2b(data.encode(), digest_size=8).hexdigest()


def _longest(rule_id: str, patterns: Iterable[str]) -> int:
    best = -1
    for pattern in patterns:
        if pattern == "ALL":
            best = max(best, 0)
        elif rule_id.startswith(pattern):
            best = max(best, len(pattern))
    return best


def from_table(table: Mapping[str, Any], source: str, known_ids: Iterable[str]) -> LintSettings:
    """Validate a raw ``lint`` table; raise :class:`LintUsageError` naming the bad key."""
    known = tuple(known_ids)
    values: dict[str, Any] = {}
    for raw_key, value in table.items():
        key = raw_key.replace("_", "-")
        if key not in _KEYS:
            raise LintUsageError(
                f"Unknown lint setting {raw_key!r} in {source}; known settings are: {', '.join(_KEYS)}."
            )
        values[key] = value
    settings = LintSettings()
    if "target" in values:
        settings = dataclasses.replace(settings, target=parse_target(values["target"], source))
    if "select" in values:
        settings = dataclasses.replace(
            settings, select=_codes(values["select"], "select", source, known)
        )
    if "ignore" in values:
        settings = dataclasses.replace(
            settings, ignore=_codes(values["ignore"], "ignore", source, known)
        )
    if "severity" in values:
        settings = dataclasses.replace(
            settings, severity=_severity(values["severity"], source, known)
        )
    if "exclude" in values:
        settings = dataclasses.replace(
            settings, exclude=tuple(_str_list(values["exclude"], "exclude", source))
        )
    if "fail-level" in values:
        settings = dataclasses.replace(
            settings, fail_level=parse_severity(values["fail-level"], source)
        )
    if "cache-dir" in values:
        settings = dataclasses.replace(settings, cache_dir=str(values["cache-dir"]))
    return settings


def load(start: Path, known_ids: Iterable[str]) -> tuple[LintSettings, Path | None]:
    """Settings from the nearest ``pyproject.toml`` at or above *start*, and its path."""
    from ..config import find_pyproject, read_pyproject

    pyproject = find_pyproject(start.resolve())
    if pyproject is None:
        return LintSettings(), None
    try:
        table = read_pyproject(pyproject).get("lint", {})
    except (OSError, ValueError) as exc:
        raise LintUsageError(f"Cannot read {pyproject}: {exc}.") from None
    if not isinstance(table, Mapping):
        raise LintUsageError(f"[tool.alembic_zdm] lint in {pyproject} must be a table.")
    return from_table(table, f"{pyproject.name} [tool.alembic_zdm.lint]", known_ids), pyproject


def parse_target(value: Any, source: str) -> Target:
    """A :class:`Target` from a setting or option value."""
    try:
        return Target.parse(str(value))
    except ValueError as exc:
        raise LintUsageError(f"Bad target in {source}: {exc}.") from None


def parse_severity(value: Any, source: str) -> Severity:
    """A :class:`Severity` from ``"error"``, ``"warning"`` or ``"info"``."""
    try:
        return Severity.parse(str(value))
    except ValueError:
        raise LintUsageError(
            f"Bad level {value!r} in {source}; use one of: error, warning, info."
        ) from None


def check_codes(codes: Iterable[str], known: tuple[str, ...], where: str) -> None:
    """Every code must be ``ALL`` or a prefix of a known rule id."""
    for code in codes:
        if code != "ALL" and not any(rule_id.startswith(code) for rule_id in known):
            raise LintUsageError(
                f"{code!r} in {where} matches no rule; see 'alembic-zdm rule --list'."
            )


def _codes(value: Any, key: str, source: str, known: tuple[str, ...]) -> tuple[str, ...]:
    codes = _str_list(value, key, source)
    check_codes(codes, known, f"{key} in {source}")
    return tuple(codes)


def _str_list(value: Any, key: str, source: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LintUsageError(f"{key} in {source} must be a list of strings.")
    return [v.strip().upper() if key != "exclude" else v for v in value]


def _severity(value: Any, source: str, known: tuple[str, ...]) -> tuple[tuple[str, Severity], ...]:
    if not isinstance(value, Mapping):
        raise LintUsageError(f"severity in {source} must be a table of rule id = level.")
    result = []
    for rule_id, level in value.items():
        if str(rule_id).upper() not in known:
            raise LintUsageError(f"severity in {source} names an unknown rule {rule_id!r}.")
        result.append((str(rule_id).upper(), parse_severity(level, source)))
    return tuple(sorted(result))
