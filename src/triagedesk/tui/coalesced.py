"""A reload asked for faster than it runs: one at a time, the asks made meanwhile as one run of the latest."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Coalesced:
    """Runs the jobs it is asked for on one runner (a worker thread the caller starts when `ask` says so), one at a
    time: asks made while one runs collapse into one run of the latest, and after a run of d seconds the next
    starts d * (1 / share - 1) later, so reloading takes at most `share` of the time however often it is asked.

    A pane reloaded on every change (the Timers pane reads every open request's clocks, ~0.2 s at 100k issues)
    would otherwise start a reload per change while another process writes: each exclusive worker cancelled, but
    its thread still running, all of them competing with the UI thread for the GIL.
    """

    def __init__(self, share: float = 0.25, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, before: Callable[[], None] = lambda: None) -> None:
        if not 0 < share <= 1:
            raise ValueError(f"share must be in (0, 1], not {share}")
        self.share = share
        self.clock = clock
        self.sleep = sleep
        self.before = before
        """Called before each run, outside the spacing (the desk's: wait while keys come, `GivingWay`)."""
        self._lock = threading.Lock()
        self._next: Callable[[], None] | None = None
        self._running = False
        self._ready_at = float("-inf")

    def ask(self, job: Callable[[], None]) -> bool:
        """Note `job` as the one to run next; True when no runner is at work and the caller must start one."""
        with self._lock:
            self._next = job
            if self._running:
                return False
            self._running = True
            return True

    def run(self) -> None:
        """The runner (on a worker thread): the latest job asked for, until none is left. A job that raises ends
        the runner (the exception goes to the worker); the next ask starts another."""
        while True:
            with self._lock:
                if self._next is None:
                    self._running = False
                    return
            wait = self._ready_at - self.clock()
            if wait > 0:
                self.sleep(wait)  # the asks made meanwhile replace the job: the latest runs
            self.before()
            with self._lock:
                job, self._next = self._next, None
            assert job is not None  # only this runner takes a job
            start = self.clock()
            try:
                job()
            except BaseException:
                with self._lock:
                    self._running = False
                raise
            finally:
                took = self.clock() - start
                self._ready_at = self.clock() + took * (1 / self.share - 1)


__all__ = ["Coalesced"]
