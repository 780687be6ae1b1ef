"""``alembic-zdm trace``: the locks each statement really takes (DESIGN §14)."""

from .model import HeldLock, TracedStatement, TracedStep, TraceReport
from .run import trace

__all__ = ["HeldLock", "TraceReport", "TracedStatement", "TracedStep", "trace"]
