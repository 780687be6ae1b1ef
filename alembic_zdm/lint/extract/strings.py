"""SQL built from Python strings: concatenation, ``%`` and ``.format`` of literal parts.

A part whose value is known (a literal, a module constant) is inserted; any other
part becomes the placeholder identifier, and the result is then partial
(:class:`~alembic_zdm.lint.extract.values.FString`): it is classified, but a parse
error in it is not reported, since the missing part may be what makes it valid.
"""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Callable, Mapping, Sequence

PLACEHOLDER = "zdm_param"
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean(text: str) -> str:
    """*text* with lone surrogates (which no encoder accepts) replaced by U+FFFD."""
    return text if text.isascii() else _SURROGATE.sub("\ufffd", text)


_PERCENT = re.compile(r"%(?:\((\w+)\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?([sdrifxXeEgGcoa%])")


def literal(value: object) -> str | None:
    """The text a known value contributes (``None`` when not known)."""
    if isinstance(value, bool) or value is None:
        return str(value) if isinstance(value, bool) else None
    if isinstance(value, (str, int, float)):
        return str(value)
    return None


def add_parts(node: ast.BinOp) -> list[ast.expr]:
    """The operands of ``a + b + c + …``, left to right, without recursion."""
    parts: list[ast.expr] = []
    stack: list[ast.expr] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, ast.BinOp) and isinstance(item.op, ast.Add):
            stack.append(item.right)
            stack.append(item.left)
        else:
            parts.append(item)
    return parts


def join(
    values: Sequence[object], is_partial: Callable[[object], str | None]
) -> tuple[str, bool] | None:
    """Concatenate resolved parts: ``(text, partial)``, or None when no part is text."""
    texts: list[str] = []
    partial = False
    textual = False
    for value in values:
        if isinstance(value, str):
            texts.append(value)
            textual = True
            continue
        sql = is_partial(value)
        if sql is not None:
            texts.append(sql)
            textual = partial = True
            continue
        text = literal(value)
        texts.append(text if text is not None else PLACEHOLDER)
        partial = partial or text is None
    return ("".join(texts), partial) if textual else None


def percent(template: str, args: object) -> tuple[str, bool]:
    """``template % args`` with unknown values as placeholders."""
    positional = list(args) if isinstance(args, tuple) else [args]
    named = args if isinstance(args, Mapping) else {}
    partial = False
    index = 0

    def fill(match: re.Match[str]) -> str:
        nonlocal partial, index
        key, conv = match.group(1), match.group(2)
        if conv == "%":
            return "%"
        if key is not None:
            value = named.get(key)
        else:
            value = positional[index] if index < len(positional) else None
            index += 1
        text = literal(value)
        if text is None:
            partial = True
            return PLACEHOLDER
        return repr(value) if conv == "r" else text

    return _PERCENT.sub(fill, template), partial


def format_(
    template: str, args: Sequence[object], kwargs: Mapping[str, object]
) -> tuple[str, bool] | None:
    """``template.format(*args, **kwargs)`` with unknown values as placeholders."""
    out: list[str] = []
    partial = False
    auto = 0
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError:
        return None
    for text, field, _spec, _conv in fields:
        out.append(text)
        if field is None:
            continue
        head = re.split(r"[.\[]", field, maxsplit=1)[0]
        if head == "":
            value = args[auto] if auto < len(args) else None
            auto += 1
        elif head.isdigit():
            value = args[int(head)] if int(head) < len(args) else None
        else:
            value = kwargs.get(head)
        piece = literal(value) if head == field else None
        partial = partial or piece is None
        out.append(piece if piece is not None else PLACEHOLDER)
    return "".join(out), partial
