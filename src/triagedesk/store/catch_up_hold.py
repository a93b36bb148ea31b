"""Reads on one thread that take the store as this process last caught up on it (no catch-up meanwhile)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class CatchUpHold:
    """While `holding()` runs on a thread, the journal's `refresh` on that thread reads nothing new: its reads
    answer from what this process already applied. Other threads catch up as before.

    For a read that must be quick rather than newest (a key's detail while a watcher follows the store: the
    watcher's next round catches up, and the desk finds that detail again after a change), never for a write
    (a transaction always catches up under the lock)."""

    def __init__(self) -> None:
        self._local = threading.local()

    def held(self) -> bool:
        """Whether this thread's reads skip catching up now."""
        return bool(getattr(self._local, "depth", 0))

    @contextmanager
    def holding(self) -> Iterator[None]:
        self._local.depth = getattr(self._local, "depth", 0) + 1
        try:
            yield
        finally:
            self._local.depth -= 1


__all__ = ["CatchUpHold"]
