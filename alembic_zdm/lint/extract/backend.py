"""Which database a revision's code asks about, judged against the configured target.

Revisions branch on the database they run against::

    if op.get_bind().dialect.name == "mysql": ...
    if str(bind.engine.url).startswith("sqlite"): ...
    is_pg = op.get_context().dialect.name == "postgresql"

``X.dialect``, ``X.engine`` and ``X.url`` resolve to a :class:`Backend` (what the
target database says there); comparing its name or URL with a literal gives a
:class:`DialectTest`, which the extractor uses to walk only the branch that runs on
the target. Anything else stays unknown, and both branches are walked.
"""

from __future__ import annotations

import ast
import dataclasses

TARGET_KEY = "<target-dialect>"
"""Key of the target's :class:`Backend` in a resolution environment (not an identifier)."""

KNOWN = ("postgresql", "postgres", "mysql", "mariadb", "sqlite", "oracle", "mssql")


@dataclasses.dataclass(frozen=True, slots=True)
class Backend:
    """``bind.dialect`` (kind ``dialect``), ``bind.engine`` (``engine``), ``….dialect.name``
    (``name``) or ``bind.engine.url`` / ``str(url)`` (``url``) under the target."""

    kind: str
    names: frozenset[str]


@dataclasses.dataclass(frozen=True, slots=True)
class DialectTest:
    """A condition on the database whose outcome the target decides."""

    value: bool


def for_dialect(dialect: str) -> Backend:
    """The :class:`Backend` of a target dialect (MariaDB also answers to ``mysql``)."""
    names = {dialect, "mysql"} if dialect == "mariadb" else {dialect}
    if dialect == "postgresql":
        names.add("postgres")
    return Backend("dialect", frozenset(names))


def attribute(attr: str, base: object, target: object) -> Backend | None:
    """``X.<attr>`` as a :class:`Backend`, or None when it is not about the database."""
    if not isinstance(target, Backend):
        return None
    if attr == "dialect":
        return Backend("dialect", target.names)
    if attr == "engine":
        return Backend("engine", target.names)
    if attr == "url" and (base is None or isinstance(base, Backend)):
        return Backend("url", target.names)
    if isinstance(base, Backend):
        if attr == "name" and base.kind in ("dialect", "engine"):
            return Backend("name", base.names)
        if attr == "drivername" and base.kind == "url":
            return Backend("url", base.names)
    return None


def _equals(backend: Backend, text: str) -> bool | None:
    if backend.kind == "name":
        return text in backend.names
    base = text.split("+", 1)[0].split(":", 1)[0]
    if "+" in text or "://" in text:
        return None if base in backend.names else False
    return text in backend.names


def _mentions(backend: Backend, text: str) -> bool | None:
    """``"sqlite" in url``: only a dialect's own name is judged."""
    if any(text == n or text.startswith(n) for n in backend.names):
        return True
    return False if any(text.startswith(k) for k in KNOWN) else None


def _starts(backend: Backend, prefix: str) -> bool | None:
    if any(n.startswith(prefix) for n in backend.names):
        return True
    if "+" in prefix and prefix.split("+", 1)[0] in backend.names:
        return None  # the driver is not known
    return False if any(prefix.startswith(k) or k.startswith(prefix) for k in KNOWN) else None


def compare(op: ast.cmpop, left: object, right: object) -> DialectTest | None:
    """``name == "mysql"``, ``name in ("mysql", "mariadb")``, ``"sqlite" in url`` …"""
    if isinstance(right, Backend) and isinstance(left, str) and isinstance(op, (ast.In, ast.NotIn)):
        result = _mentions(right, left) if right.kind == "url" else None
        return None if result is None else DialectTest(result ^ isinstance(op, ast.NotIn))
    if isinstance(right, Backend) and not isinstance(left, Backend):
        left, right = right, left
    if not isinstance(left, Backend) or left.kind not in ("name", "url"):
        return None
    if isinstance(op, (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)) and isinstance(right, str):
        result = _equals(left, right)
        negate = isinstance(op, (ast.NotEq, ast.IsNot))
    elif isinstance(op, (ast.In, ast.NotIn)) and isinstance(right, tuple):
        answers = [_equals(left, r) for r in right if isinstance(r, str)]
        result = True if True in answers else (None if None in answers or not answers else False)
        negate = isinstance(op, ast.NotIn)
    else:
        return None
    return None if result is None else DialectTest(result ^ negate)


def starts_with(backend: Backend, prefix: object) -> DialectTest | None:
    """``url.startswith("mysql")`` (a tuple of prefixes too)."""
    if backend.kind not in ("name", "url"):
        return None
    prefixes = prefix if isinstance(prefix, tuple) else (prefix,)
    answers = [_starts(backend, p) for p in prefixes if isinstance(p, str)]
    if True in answers:
        return DialectTest(True)
    return None if None in answers or not answers else DialectTest(False)


def combine(node: ast.BoolOp | ast.UnaryOp, values: list[object]) -> DialectTest | None:
    """``and`` / ``or`` / ``not`` over dialect tests (unknown parts keep it unknown)."""
    if isinstance(node, ast.UnaryOp):
        value = values[0]
        return DialectTest(not value.value) if isinstance(value, DialectTest) else None
    tests = [v.value if isinstance(v, DialectTest) else None for v in values]
    if isinstance(node.op, ast.And):
        if False in tests:
            return DialectTest(False)
        return DialectTest(True) if None not in tests else None
    if True in tests:
        return DialectTest(True)
    return DialectTest(False) if None not in tests else None
