"""Side files carried over a compaction: each carrier reads what it needs of the old snapshot and the journal's
changes before the compaction writes, and writes its file for the new snapshot once that is read back, before
the new journal is written (another process reads the new snapshot only after that, under the lock)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

Finish = Callable[[], None]
"""Writes a carried file for the new snapshot (the store's tables then are the new snapshot's, nothing changed)."""
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


def finished(finishes: Iterable[Finish]) -> None:
    """Call each finish; one that fails leaves its file to be built at its first read."""
    for finish in finishes:
        try:
            finish()
        except Exception:  # noqa: BLE001 - as above
            LOG.debug("a side file not carried over the compaction", exc_info=True)


__all__ = ["Carrier", "Finish", "finished", "prepared"]
