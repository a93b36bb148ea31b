"""The desk's garbage collections, run on the UI thread at the moments furthest from a key (issue #24)."""

from __future__ import annotations

import time
from collections.abc import Callable

from triagedesk.app import memory
from triagedesk.tui.giving_way import KEYS, GivingWay


class Collecting:
    """Automatic collections are off while the desk runs; it runs the due one itself: right after a key's frame
    is painted (the next key is furthest off), or on a tick once no key came for `keys.quiet` seconds; while keys
    come, a tick holds it back up to `memory.HELD_MOST` times the threshold.

    A young collection at 100k issues takes 5-75 ms CPU holding the GIL (the rendered lines' strips and caches
    make most of the young generation): left to the collector it ran in whichever thread crossed the threshold,
    and while the desk followed a writer it was in the slowest keys' waits."""

    def __init__(self, keys: GivingWay = KEYS, collect_due: Callable[[bool], int | None] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.keys = keys
        self.collect_due = collect_due or (lambda hold: memory.collect_due(hold))
        self.clock = clock

    def start(self) -> None:
        memory.paced(True)

    def stop(self) -> None:
        memory.paced(False)

    def served(self) -> None:
        """A key's frame is painted (the UI thread): the keys' waiting work goes on, and the due collection runs
        now unless a newer key waits."""
        self.keys.served()
        self.collect_due(self.keys.key_pending())

    def tick(self) -> None:
        """Every few tens of milliseconds (the UI thread): the due collection runs if no key came for a while."""
        self.collect_due(self.clock() - self.keys.last_key <= self.keys.quiet)


COLLECTING = Collecting()
"""The desk's (one desk a process, one collector)."""

__all__ = ["COLLECTING", "Collecting"]
