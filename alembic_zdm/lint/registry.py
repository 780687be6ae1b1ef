"""The one place rules are registered: the :func:`rule` decorator.

A rule is a function ``check(revision, target) -> Iterable[Hit]`` in its own module,
whose docstring (first line ``ZDMnnn name: summary``, then the sections *What it
does*, *Why is this bad?*, *Example*, *Use instead*) is its documentation.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import sys
from collections.abc import Callable, Iterable

from .model import Action, Revision, Severity
from .target import DIALECTS, Target

SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "## Use instead")
ALL_DIALECTS = frozenset(DIALECTS)
POSTGRESQL = frozenset({"postgresql"})
MYSQL = frozenset({"mysql", "mariadb"})


@dataclasses.dataclass(frozen=True, slots=True)
class Hit:
    """What a rule reports; the engine adds the path, rule id and severity."""

    line: int
    col: int
    message: str
    help: str = ""
    span: tuple[int, int] = (0, 0)
    opt_in: bool = False
    """Reported only when the rule is selected by its id (or a prefix), not by ``ALL``."""

    @classmethod
    def at(cls, action: Action, message: str, help: str = "", *, opt_in: bool = False) -> Hit:
        """A hit at *action*'s position."""
        return cls(action.line, action.col, message, help, action.span, opt_in)


Check = Callable[[Revision, Target], Iterable[Hit]]


@dataclasses.dataclass(frozen=True)
class Rule:
    """A registered rule and its documentation."""

    id: str
    name: str
    family: str
    severity: Severity
    dialects: frozenset[str]
    check: Check
    doc: str
    undo: bool = True
    """Whether the rule also checks ``downgrade()`` and ``undo_*()`` (see :data:`UNDO_DEFAULTS`)."""
    default: bool = True
    """In the default set; otherwise on only when named in ``select`` (see :data:`OPT_IN_FAMILIES`)."""

    @property
    def summary(self) -> str:
        """The docstring's first line without the ``ZDMnnn name:`` prefix."""
        first = self.doc.splitlines()[0] if self.doc else ""
        text = first.split(":", 1)[1].strip() if ":" in first else first
        return text[:1].upper() + text[1:]

    def applies(self, target: Target) -> bool:
        """Whether the rule speaks for *target*'s database."""
        return target.dialect in self.dialects


RULES: dict[str, Rule] = {}

UNDO_DEFAULTS = {"phases": True, "locking": True, "compat": False, "hygiene": False, "meta": True}
"""Whether a family's rules check the undo functions, unless a rule says otherwise.

A rollback runs against the live tables too, so locking hazards count there. The
compatibility rules do not: undoing an added column *is* dropping it, and the code
running during a rollback is the old code that never used it. Hygiene rules judge
new objects; an undo function restores old ones as they were.
"""


OPT_IN_FAMILIES = frozenset({"hygiene"})
"""Families whose rules are off unless named in ``select``: they judge style (text over
``varchar(n)``, ``timestamptz``, index width), not downtime, and a default set should
hold only findings a reviewer acts on. A rule of such a family can still be default."""


def rule(
    rule_id: str,
    name: str,
    *,
    severity: Severity,
    dialects: frozenset[str] = ALL_DIALECTS,
    undo: bool | None = None,
    default: bool | None = None,
) -> Callable[[Check], Check]:
    """Register the decorated check as rule *rule_id*; a duplicate id is an error.

    *undo* says whether the rule also sees the actions of ``downgrade()`` and
    ``undo_*()``; ``None`` takes the family's default from :data:`UNDO_DEFAULTS`.
    *default* says whether the rule is in the default set; ``None``: yes, unless its
    family is in :data:`OPT_IN_FAMILIES`.
    """

    def register(check: Check) -> Check:
        module = sys.modules[check.__module__]
        if rule_id in RULES:
            raise RuntimeError(f"rule id {rule_id} registered twice ({check.__module__})")
        family = check.__module__.split(".")[-2]
        doc = inspect.cleandoc(module.__doc__ or "")
        checks_undo = UNDO_DEFAULTS.get(family, True) if undo is None else undo
        on = family not in OPT_IN_FAMILIES if default is None else default
        RULES[rule_id] = Rule(
            rule_id, name, family, severity, dialects, check, doc, checks_undo, on
        )
        return check

    return register


_LOADED = False


def all_rules() -> dict[str, Rule]:
    """Import every rule module once and return the registry, ordered by id."""
    global _LOADED
    if not _LOADED:
        from . import rules

        for family in pkgutil.iter_modules(rules.__path__):
            package = importlib.import_module(f"{rules.__name__}.{family.name}")
            for info in pkgutil.iter_modules(package.__path__):
                importlib.import_module(f"{package.__name__}.{info.name}")
        _LOADED = True
        ordered = dict(sorted(RULES.items()))
        RULES.clear()
        RULES.update(ordered)
    return RULES
