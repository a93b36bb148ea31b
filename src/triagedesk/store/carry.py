"""Side files carried over a compaction, in three steps: under the lock, before the compaction writes, each carrier
notes what it needs of the old snapshot (its old file kept open, the journal's changes); under the lock, once the
new snapshot is read back, it notes that snapshot's tables as they are (nothing changed since: they never change,
the snapshot is renamed in); and once the lock is let go (the journal's after-release jobs, store/journal.py) it
writes its file from those alone, staged and renamed in: the compaction holds the lock no longer than without it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

Write = Callable[[], None]
"""Writes a carried file for the new snapshot from what was noted (run with the lock let go: another process may
write meanwhile; this reads nothing of the store as it is now)."""
Finish = Callable[[], Write | None]
"""Called under the lock once the new snapshot is read back (the store's tables are then the new snapshot's,
nothing changed): notes them and returns the write, or None when there is nothing to write."""
Carrier = Callable[[], Finish | None]
"""Called under the lock before a compaction writes (the old snapshot and its journal's changes still held): the
finish to call once the new snapshot is read back, or None when there is nothing to carry (no valid file)."""

LOG = logging.getLogger(__name__)


def prepared(carriers: Iterable[Carrier]) -> list[Finish]:
    """Each carrier's finish; one that fails carries nothing (its file is a cache, built again at its first read)."""
    finishes: list[Finish] = []
    for carrier in list(carriers):
        try:
            finish = carrier()
        except Exception:  # noqa: BLE001 - a cache: never the compaction's failure
            LOG.debug("a side file not carried over the compaction", exc_info=True)
            continue
        if finish is not None:
            finishes.append(finish)
    return finishes


def noted(finishes: Iterable[Finish]) -> list[Write]:
    """Each finish's write (under the lock, the new snapshot read back); one that fails writes nothing."""
    writes: list[Write] = []
    for finish in finishes:
        try:
            write = finish()
        except Exception:  # noqa: BLE001 - as above
            LOG.debug("a side file not carried over the compaction", exc_info=True)
            continue
        if write is not None:
            writes.append(write)
    return writes


def written(writes: Iterable[Write]) -> None:
    """Call each write (the lock let go); one that fails leaves its file to be built at its first read (its
    staged file removed: `files.stage`)."""
    for write in writes:
        try:
            write()
        except Exception:  # noqa: BLE001 - as above
            LOG.debug("a side file not carried over the compaction", exc_info=True)


__all__ = ["Carrier", "Finish", "Write", "noted", "prepared", "written"]
