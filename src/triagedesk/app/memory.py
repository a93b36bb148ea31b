"""The process's garbage-collection policy, in one place: set once when a Desk opens; loaded data kept out of
the collector's walks."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable

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


_settled = False

HELD_MOST = 4
"""How many times its threshold the young generation may grow while collections are held back for a waiting key:
past it the collection runs anyway (memory stays bounded whatever the keys do)."""


def paced(on: bool) -> None:
    """Automatic collections off (`on`: the caller runs `collect_due` itself, at moments when no key waits for
    its frame), or back on. A young collection at 100k issues takes 5-70 ms CPU holding the GIL, in whichever
    thread allocated the object that crossed the threshold: while the desk follows a writer, one landed in a
    key's frame every few seconds (issue #24)."""
    global _settled
    _settled = False  # a desk starting (or gone) has not loaded yet
    if on:
        gc.disable()
    else:
        gc.enable()


def due(counts: tuple[int, int, int] | None = None, thresholds: tuple[int, int, int] | None = None) -> int | None:
    """The generation the automatic collector would collect now (None: none is due): once the young generation
    is past its threshold, the oldest generation whose count is past its own (the youngest at least)."""
    counts = gc.get_count() if counts is None else counts
    limits = gc.get_threshold() if thresholds is None else thresholds
    if counts[0] <= limits[0]:
        return None
    return 2 if counts[2] > limits[2] else 1 if counts[1] > limits[1] else 0


SETTLED_LIMITS = (1_000, 10)
"""Once the desk has loaded and warmed up (`settled`): a young collection at a free moment once 1,000 objects are
counted, a middle one every 10 young ones. Each is then a few ms: Textual's rendered lines (a `Strip` caches
itself) are cyclic garbage, and at the loading threshold one collection freed ~30k of them in 50-90 ms, in the
next key's wait when keys came every 100 ms while the desk followed a writer (issue #24)."""


def settled(on: bool) -> None:
    """The desk is loaded and warm (`on`: collections small and often), or loads in bulk again (off: the loading
    thresholds, so a load is not walked every 1,000 objects)."""
    global _settled
    _settled = on


def collect_due(hold: bool, collect: Callable[[int], object] = gc.collect) -> int | None:
    """Run the collection due now, unless `hold` (a key waits for its frame, or may come any moment) and the young
    generation is under `HELD_MOST` times its (loading) threshold; the generation collected, or None. Due: `due`,
    or once `settled`, by `SETTLED_LIMITS` (the oldest generation past its threshold is still collected with it)."""
    counts, limits = gc.get_count(), gc.get_threshold()
    if _settled:
        limits = (min(limits[0], SETTLED_LIMITS[0]), min(limits[1], SETTLED_LIMITS[1]), limits[2])
    generation = due(counts, limits)
    if generation is None or (hold and counts[0] < HELD_MOST * gc.get_threshold()[0]):
        return None
    collect(generation)
    return generation
