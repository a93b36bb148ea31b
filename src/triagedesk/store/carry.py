"""Side files carried over a compaction, in three steps: under the lock, before the compaction writes, each carrier
notes what it needs of the old snapshot (its old file kept open, the journal's changes); under the lock, once the
new snapshot is read back, it notes that snapshot's tables as they are (nothing changed since: they never change,
the snapshot is renamed in); and once the lock is let go (the journal's after-release jobs, store/journal.py) it
writes its file from those alone, staged and renamed in: the compaction holds the lock no longer than without it."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

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
SIDE_FILES = ("report-days", "search", "places", "knowledge", "queue", "assessments")
DEAD_AFTER = 15 * 60
"""Seconds a side file's staged file goes unwritten before it is taken for one a killed process left (one being
written is written to all along, and renamed in as soon as it is whole)."""


def remove_dead_staged(store: Path) -> None:
    """Remove the staged side files (`files.stage`: `.NAME.SIDE.xxxxxxxx.tmp`) a killed process left beside the
    store: a reader or a compaction's carry stopped half-way (readers stage without the lock: only old ones)."""
    own = re.compile(re.escape(f".{store.name}.") + f"({'|'.join(SIDE_FILES)})" + r"\.[a-z0-9_]{8}\.tmp")
    for staged in store.parent.glob(f".{store.name}.*.tmp"):
        try:
            if (own.fullmatch(staged.name) and staged.is_file() and not staged.is_symlink()
                    and time.time() - staged.stat().st_mtime > DEAD_AFTER):
                staged.unlink()
        except OSError:
            pass  # best effort: a file we cannot remove is only space


def prepared(carriers: Iterable[Carrier], store: Path | None = None) -> list[Finish]:
    """Each carrier's finish (`store`: its dead staged side files removed first); one that fails carries nothing
    (its file is a cache, built again at its first read)."""
    if store is not None:
        remove_dead_staged(store)
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


class Carrying:
    """The carried files' writes on a thread of their own, so the write whose commit compacted returns once the
    lock is let go rather than after them (seconds at 1M: a desk's assign, the dispatcher's intake); not a daemon,
    so a process that ends first still writes them whole, and the journal's `close` waits for them."""

    def __init__(self) -> None:
        self._threads: list[threading.Thread] = []

    def start(self, writes: list[Write]) -> None:
        if writes:
            self._threads = [t for t in self._threads if t.is_alive()]
            thread = threading.Thread(target=written, args=(writes,), name="triagedesk-carry", daemon=False)
            thread.start()
            self._threads.append(thread)

    def wait(self) -> None:
        """Until every write begun so far is done."""
        while self._threads:
            self._threads.pop(0).join()


__all__ = ["Carrier", "Carrying", "Finish", "Write", "noted", "prepared", "remove_dead_staged", "written"]
