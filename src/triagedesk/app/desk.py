"""The Desk: the composition root over one store (its parts do the work; it is the only door to the store).

- `engine`: profiles and scorers; `figures`: the experts' counted figures;
- `queries`: what the panes, `show`, `timers` and the dispatcher read;
- `commands`: intents planned by the domain's action table and written in one durable, audited write;
- `history`: a person's undo and redo (their steps, from the audit log);
- `records`: whole kinds (import, export, the demo, the watcher, the rejected list).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Any

from triagedesk.app import carried, memory
from triagedesk.app.commands import Commands
from triagedesk.app.engine import Engine
from triagedesk.app.figures import Figures
from triagedesk.app.history import History
from triagedesk.app.oncall import OnCallDesk
from triagedesk.app.queries import Queries
from triagedesk.app.records import Follower, Records
from triagedesk.app.replica import Replica
from triagedesk.app.replica_store import StoreReplica
from triagedesk.domain.records import utcnow
from triagedesk.store import warming
from triagedesk.store.repositories import Store

__all__ = ["Closing", "Desk", "Follower", "LARGE"]

LARGE = 50_000
"""Requests from which a cursor move's detail does not wait for the warm-up's candidates and past resolutions
(seconds at 1M); a smaller store's are ready within a few tens of ms and every detail waits for them whole."""


class Closing(Exception):
    """The desk is closing: a warm-up or a worker's read stops at its next step rather than finish."""


class Desk:
    """One store and the parts that work on it, sharing one clock (`desk.clock`, which a dispatcher may set)."""

    def __init__(self, store: Store, clock: Callable[[], datetime] = utcnow,
                 profile_override: str | None = None) -> None:
        memory.apply()
        self.store = store
        carried.carry_over(store)
        self.clock = clock
        self.engine = Engine(profile_override)
        self.figures = Figures(store, self.engine)
        self.oncall = OnCallDesk(store, self.engine, self.figures, self.now)
        """Schedules, calendars and who covers now (app/oncall.py): the matcher, the clocks and pages ask it."""
        self.queries = Queries(store, self.engine, self.figures, self.now, self.oncall)
        self.commands = Commands(store, self.engine, self.figures, self.queries, self.now)
        self.history = History(store, self.commands)
        self.records = Records(store)
        self.detail_ready = threading.Event()
        """Clear while a warm-up (`warm`) builds what a cursor move's detail needs: a detail then waits only
        briefly and shows what it has (tui/loaders.py)."""
        self.detail_ready.set()
        self._warmed = False
        """A warm-up built what a detail needs once: a later full load (`expect_warm`) finds it built."""
        self._closing = threading.Event()
        self._handed: Callable[[], None] | None = None  # the step this desk last handed the workers' builds

    def closing(self) -> None:
        """The interface is going: work under way on workers stops at its next step (`stepping`), so the process
        ends now (at 1M, quitting once waited ~20 s for the warm-up, whose threads the interpreter joins)."""
        self._closing.set()
        if (handed := self._handed) is not None:  # a later desk in this process (a test's) steps as a new one
            warming.takes_back(handed)  # does, and another live one as it asked

    def _hand(self, step: Callable[[], None]) -> None:
        """Workers' builds step with `step` (raising `Closing` once closing) from now on; taken back at once if the
        closing came meanwhile (it may land between a caller's check and this: it took back the older step)."""
        warming.steps_on_workers(step)
        self._handed = step
        if self._closing.is_set():
            warming.takes_back(step)

    def stepping(self, step: Callable[[], None]) -> Callable[[], None]:
        """`step`, raising `Closing` once the desk is closing (a worker's long work calls it between chunks)."""

        def checked() -> None:
            if self._closing.is_set():
                raise Closing
            step()

        return checked

    def now(self) -> datetime:
        return self.clock()

    @property
    def replica(self) -> Replica:
        """The port sync replicates through (`app/replica.py`): sync never holds the store."""
        return StoreReplica(self.store)

    @property
    def path(self) -> Path:
        return Path(self.store.path)

    @property
    def folder(self) -> Path:
        """The store's folder (where packages are saved)."""
        return self.store.path.parent

    @property
    def where(self) -> str:
        """The store as the header names it: folder/file."""
        return f"{self.store.path.parent.name}/{self.store.path.name}"

    def close(self) -> None:
        self.store.close()

    def as_caught_up(self) -> AbstractContextManager[None]:
        """Reads on this thread meanwhile take the store as this process last caught up on it: no catch-up on
        another process's writes (a key's detail while a watcher follows the store, which catches up within its
        round and has the detail found again; `store/catch_up_hold.py`)."""
        return self.store.journal.catch_up_hold.holding()

    def dispatcher(self) -> dict[str, Any] | None:
        """The dispatcher holding this store's lease (holder, expiry), if one is active."""
        from triagedesk.app.dispatcher_status import read_status

        return read_status(self.store.path)

    def expect_warm(self, step: Callable[[], None] = lambda: None) -> None:
        """A warm-up (`warm`) is on its way: a large store's details come without candidates from now on, not
        built by the first detail's own lookups (at 1M, 10 s) while the warm-up waits to start; `warm` ends it.
        Once a warm-up built them, a later full load's details stay whole (they would come without candidates
        for the whole load, indexes built or not).
        A pane worker's lookup that builds an index steps as the warm-up will (`step`), from now on."""
        if self._closing.is_set():
            return
        self._hand(self.stepping(step))
        if not self._warmed:
            self._warming()

    def _warming(self) -> None:
        """A large store's details come without candidates until the warm-up's first part is done."""
        if len(self.store.journal.docs("requests")) >= LARGE:
            self.detail_ready.clear()

    def warm(self, between: Callable[[], None] = lambda: None, step: Callable[[], None] = lambda: None) -> None:
        """Build the store's indexes and the experts' counted figures ahead of the first lookup (call it from a
        worker once the queue shows), so no cursor move pays for them: what a detail needs first (a large store's
        details meanwhile come without candidates: `detail_ready`), the other indexes after. None is built
        holding the store's lock (store/warming.py).
        `between()` is called after each index (one column read and indexed), holding no lock: the desk's waits
        there while keys come, so the UI thread has the GIL to itself; `step()` between chunks of one index's build
        (a few ms of work each: the desk's waits there while a key is not painted yet)."""
        between, step = self.stepping(between), self.stepping(step)
        step()  # (a closing desk starts none: `Closing`)
        self._hand(step)  # a pane worker's lookup that builds an index steps as the warm-up does
        self._warming()
        try:
            self.store.warm_indexes(between, detail=True, step=step)
            self.figures.counted()
            self._warmed = True
        finally:
            self.detail_ready.set()
        self.store.warm_indexes(between, step=step)
