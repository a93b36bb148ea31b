"""Whether the UI thread's loop is idle, asked from a worker: a round trip through the loop that comes back at once."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable


class UiIdle:
    """Round trips through the UI thread's event loop, from a worker: one that comes back within `prompt` seconds
    found the loop with nothing to run before it (no layout, frame or handler under way). A worker about to hold
    the GIL for long waits until the loop has been idle for a while: work the UI thread does at that moment (the
    screen's layout at its size, just after the first frame) then runs alone instead of in turns with the worker,
    and a key pressed meanwhile is painted in the time that work takes alone (issue #24)."""

    PROMPT = 0.002
    POLL = 0.001

    def __init__(self, loop: asyncio.AbstractEventLoop, clock: Callable[[], float] = time.monotonic) -> None:
        self.loop = loop
        self.clock = clock

    def round_trip(self, most: float) -> float | None:
        """Seconds a callback took to be run by the loop (at most `most`); None when the loop is closed."""
        start, done = self.clock(), threading.Event()
        try:
            self.loop.call_soon_threadsafe(done.set)
        except RuntimeError:  # the loop is closed: the desk is gone, nothing to wait for
            return None
        done.wait(most)
        return self.clock() - start

    def wait(self, quiet: float, most: float) -> bool:
        """Wait until the loop has answered promptly for `quiet` seconds, at most `most` seconds in all; whether
        it was idle by then."""
        until, quiet_since = self.clock() + most, None
        while (left := until - self.clock()) > 0:
            if (took := self.round_trip(left)) is None:
                return False
            if took > self.PROMPT:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = self.clock()
            elif self.clock() - quiet_since >= quiet:
                return True
            time.sleep(self.POLL)
        return False


__all__ = ["UiIdle"]
