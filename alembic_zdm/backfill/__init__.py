"""The backfill engine (DESIGN §5): key-range batches, adaptive size, checkpoints, progress."""

from __future__ import annotations

from .engine import BackfillOptions, BackfillResult, reset_checkpoint, run_backfill
from .progress import BackfillProgress, add_listener, remove_listener
from .spec import BackfillSpec, find_key
from .verify import verify_backfill

__all__ = [
    "BackfillOptions",
    "BackfillProgress",
    "BackfillResult",
    "BackfillSpec",
    "add_listener",
    "find_key",
    "remove_listener",
    "reset_checkpoint",
    "run_backfill",
    "verify_backfill",
]
