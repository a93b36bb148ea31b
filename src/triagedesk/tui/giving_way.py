"""Background work that gives way to keys: it waits between its chunks while the user is pressing keys."""

from __future__ import annotations

import time
from collections.abc import Callable


class GivingWay:
    """When the last key was pressed, and `give_way()` for a worker to call between chunks of long work (never
    while it holds a lock the UI thread may want): it sleeps until no key has come for `quiet` seconds, at most
    `most` seconds a call, so a held key is never starved of its frames by the desk's own warm-up or reloads
    (Python threads share one GIL; the UI thread otherwise gets it in turns with every busy worker)."""

    def __init__(self, quiet: float = 0.15, most: float = 2.0, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.quiet = quiet
        self.most = most
        self.clock = clock
        self.sleep = sleep
        self.last_key = float("-inf")
        self.last_served = float("-inf")

    def pressed(self) -> None:
        """A key came (the UI thread)."""
        self.last_key = self.clock()

    def served(self) -> None:
        """What the keys pressed so far asked for is painted (the UI thread, after the frame that shows it)."""
        self.last_served = self.clock()

    PENDING_MOST = 0.15
    """Seconds after which a key counts as served whether or not `served()` was called (a key that changed
    nothing paints nothing to wait for)."""
    POLL = 0.002

    def key_pending(self) -> bool:
        """A key was pressed and what it asked for is not painted yet."""
        return self.last_key > self.last_served and self.clock() - self.last_key < self.PENDING_MOST

    def letting_keys_pass(self, budget: float) -> Callable[[], None]:
        """A `between()` for a worker's short chunks of work that must not wait long (a patch of the queue, a
        read of the clocks): each call waits while a key is pending, all of them together at most `budget`
        seconds. Sleeping hands the GIL to the UI thread: the key's handling and its frame run at full speed
        instead of in turns with the worker."""
        until = self.clock() + budget

        def between() -> None:
            while self.key_pending() and (left := until - self.clock()) > 0:
                self.sleep(min(self.POLL, left))

        return between

    def let_keys_pass(self) -> None:
        """Wait while a key is pending, at most `most` seconds (a worker's long build, between its chunks of a few
        ms each: a key's handling and frame then run alone, not in turns with the build)."""
        self.letting_keys_pass(self.most)()

    def give_way(self, most: float | None = None) -> None:
        """Wait while keys come (a worker, between chunks), at most `most` seconds (the `most` given at start)."""
        until = self.clock() + (self.most if most is None else most)
        while (wait := min(self.last_key + self.quiet, until) - self.clock()) > 0:
            self.sleep(wait)


KEYS = GivingWay()
"""The desk's: the app notes every key (one desk a process, and one GIL)."""

__all__ = ["GivingWay", "KEYS"]
