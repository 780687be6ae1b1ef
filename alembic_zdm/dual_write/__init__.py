"""Dual-write triggers: keep an old and a new column consistent while both app versions run.

:class:`DualWriteSpec` describes the trigger as data; :func:`enable_plan` and
:func:`disable_plan` turn it into statements for the connected dialect.
"""

from __future__ import annotations

from .registry import disable_plan, enable_plan
from .spec import DualWriteSpec

__all__ = ["DualWriteSpec", "disable_plan", "enable_plan"]
