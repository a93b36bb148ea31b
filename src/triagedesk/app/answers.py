"""One question about the desk's records (`show`, `package`): the desk's own queries over a store opened to be
read, without the desk's writing world (its commands, history, replica and sync are never imported)."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime

from triagedesk.app import memory
from triagedesk.app.engine import Engine
from triagedesk.app.figures import Figures
from triagedesk.app.oncall import OnCallDesk
from triagedesk.app.queries import Queries
from triagedesk.domain.instants import now as utcnow
from triagedesk.store.database import open_store
from triagedesk.store.repositories import Store


class Answers:
    """A store and the `Queries` the Desk would hold over it (the same parts, built the same way)."""

    def __init__(self, store: Store, clock: Callable[[], datetime] = utcnow) -> None:
        memory.apply()
        self.store = store
        self.clock = clock
        self.engine = Engine(None)
        self.figures = Figures(store, self.engine)
        self.oncall = OnCallDesk(store, self.engine, self.figures, self.now)
        self.queries = Queries(store, self.engine, self.figures, self.now, self.oncall)

    def now(self) -> datetime:
        return self.clock()

    def answerable(self) -> None:
        """Wait until what was read may be answered with (see `Journal.answerable`)."""
        self.store.journal.answerable()

    def close(self) -> None:
        self.store.close()


def open_answers(path: str | os.PathLike[str], clock: Callable[[], datetime] = utcnow) -> Answers:
    """The store at `path` (which must exist), opened to be read: its snapshot's spans checked as they are read,
    its records found through the places file (store/placed.py)."""
    from triagedesk.store.placed import Placed

    store = open_store(path, create=False, checked=False, reading=True)
    store.journal.placed = Placed(store.journal)  # its gets and lookups from the places file beside the snapshot
    return Answers(store, clock)


__all__ = ["Answers", "open_answers"]
