"""Health gates (DESIGN §13): checked before every phase step and between backfill batches.

Each check answers *ok*, *throttle* or *abort* (:class:`Verdict`). On *throttle* the run
waits (a backfill pauses and shrinks its batch) until every check is ok again, for at most
``health_max_wait_s``; then, or on *abort*, it stops with
:class:`~alembic_zdm.errors.HealthAbortError` naming the check and its value.
"""

from .checks import Verdict
from .gate import HealthGate, gate_for

__all__ = ["HealthGate", "Verdict", "gate_for"]
