"""The process's garbage-collection policy, in one place: set once when a Desk opens; loaded data kept out of
the collector's walks."""

from __future__ import annotations

import gc
import threading

THRESHOLDS = (50_000, 20, 100)
"""A young collection after 50,000 allocations rather than 700: loading 100k issues allocates millions of objects
that all stay, and at the default every few hundred of them started a walk over the young ones and, often, the
older generations holding the whole store."""

_lock = threading.Lock()
_applied = False


def apply() -> None:
    """Set the thresholds, once per process (a later call, or a second Desk, changes nothing)."""
    global _applied
    with _lock:
        if not _applied:
            gc.set_threshold(*THRESHOLDS)
            _applied = True


def keep_loaded() -> None:
    """What is loaded now lives as long as the store or the queue: move it out of the collector's walks
    (`gc.freeze`; a full collection walking 100k loaded issues cost ~150 ms, every few cursor moves)."""
    gc.freeze()
