"""The snapshot's whole-file checksum, read on a thread while the desk starts (every write waits for it)."""

from __future__ import annotations

import os
import sys
import threading
from typing import BinaryIO

from triagedesk.files import reason
from triagedesk.store.journal_format import Damaged
from triagedesk.store.snapshot_file import verify_snapshot


class Verification:
    """The snapshot's whole-file checksum, read on a thread (the reads and the CRC free the GIL), so opening a
    large store waits for the directory only; `result()` waits for it: None when intact, else what is wrong."""

    def __init__(self, handle: BinaryIO, size: int, start: bool = True) -> None:
        self._damage: str | None = None
        self._thread = threading.Thread(target=self._run, args=(handle, size), name="snapshot-checksum",
                                        daemon=True)
        self._started = start
        """False: not read until something waits for it (a reader that checks each span it reads)."""
        self._start_lock = threading.Lock()
        if start:
            self._thread.start()

    def _run(self, handle: BinaryIO, size: int) -> None:
        behind()
        try:
            verify_snapshot(handle, size)
        except Damaged as exc:
            self._damage = str(exc)
        except Exception as exc:  # noqa: BLE001  # a file that cannot be read whole is as good as damaged
            self._damage = f"cannot be read whole: {reason(exc) if isinstance(exc, OSError) else exc}"

    def result(self) -> str | None:
        with self._start_lock:
            if not self._started:
                self._started = True
                self._thread.start()
        self._thread.join()
        return self._damage

    def done(self) -> bool:
        """The check has finished (never waits; False while not started)."""
        return self._started and not self._thread.is_alive()

    def found_damage(self) -> str | None:
        """What is wrong, once the check has finished and found it (never waits)."""
        return self._damage if self.done() else None


BEHIND = 10
"""The nice value of the checksum's thread: on a busy machine the kernel runs the desk's UI thread first (at 1M
the check reads 4 GB, seconds of a core while the first cursor moves are painted; it holds the GIL only between
its reads). A write that waits for it waits as long on an idle machine."""


def behind() -> None:
    """Lower this thread's own priority (Linux: a thread's id names it alone; elsewhere left as it is)."""
    if sys.platform.startswith("linux"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BEHIND)
        except OSError:
            pass  # (not allowed: run at the process's priority)


__all__ = ["BEHIND", "Verification", "behind"]
