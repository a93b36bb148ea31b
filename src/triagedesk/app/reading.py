"""Read-only questions a command asks of a store without the Desk's world: the report and the issue search.

The store is opened without waiting for the snapshot's whole-file checksum: each span of the snapshot read is
checked against its own checksum (a snapshot written before those waits for the whole file's, read on a thread
meanwhile), and the answer is given only then, so a damaged span read still answers nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from triagedesk.domain.instants import now as utcnow

if TYPE_CHECKING:
    from triagedesk.app.issue_search import Found
    from triagedesk.domain.insight.knowledge import Hit
    from triagedesk.domain.scoring.profiles import Profile
    from triagedesk.formats.transfer import Format
    from triagedesk.store.reader import StoreReader
    from triagedesk.store.repositories import Store


class Reading:
    """A store opened to be read: `report`, `search`, `kb search`, `export`; `close()` when done. It is opened by
    the first question: as the `Store` (models and all) for the report and the export, as a `StoreReader` (no
    model imported) for the searches."""

    def __init__(self, path: str | os.PathLike[str], clock: Callable[[], datetime] = utcnow) -> None:
        self.path = path
        self.clock = clock
        self._store: Store | None = None
        self._reader: StoreReader | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            from triagedesk.store.database import open_store

            self._store = open_store(self.path, create=False, checked=False, reading=True)
        return self._store

    def reader(self) -> StoreReader:
        if self._reader is None:
            from triagedesk.store.reader import StoreReader

            self._reader = StoreReader(self.path)
        return self._reader

    def profiles(self) -> dict[str, Profile]:
        """Every profile the desk knows (its rates and correctable fields count in the report)."""
        from triagedesk.resources import available_profiles, load_profile

        return {name: load_profile(name) for name in available_profiles()}

    def report(self, days: int, now: datetime | None = None) -> dict[str, Any]:
        store = self.store  # opened first: its checksum is read on a thread while the report's modules load
        from triagedesk.app import memory, report_days

        memory.apply()  # what the report reads stays until it is answered: no collection walks it each 700 objects
        from triagedesk.app.noise import noise_figures

        moment = now or self.clock()
        found = report_days.report(store, self.profiles(), moment, days)
        found["oncall"] = self._oncall(moment)
        found["noise"] = noise_figures(self.store, moment, days)
        self.store.journal.answerable()
        return found

    def _oncall(self, now: datetime) -> dict[str, Any]:
        """The on-call load, as the Desk's report carries it."""
        from triagedesk.app.oncall import fairness_of
        from triagedesk.domain.routing.coverage import CalendarBook, Coverage

        coverage = Coverage(self.store.schedules.all(), CalendarBook(self.store.calendars.all()))
        experts = sorted(self.store.experts.all(), key=lambda e: ((e.name or e.id).lower(), e.id))
        return fairness_of(self.store, coverage, experts, now)

    def search(self, text: str, limit: int = 500) -> list[Found]:
        """Every issue holding `text` (app/issue_search.py), from its side file where it can (app/search_index.py)."""
        from triagedesk.app import search_index

        reader = self.reader()
        indexed = search_index.search(reader, text, limit)
        if indexed is not None:
            found, read = indexed
            if read:  # answered from the side file and the journal alone: nothing of the snapshot to wait for
                reader.answerable()
            return found
        from triagedesk.app.issue_search import search

        found = search(reader, text, limit)
        reader.answerable()
        return found

    def knowledge(self, text: str, limit: int = 5) -> list[Hit]:
        """Past resolutions for `text`, ranked as `Store.search_knowledge` ranks them; only the entries found are
        loaded by their model (one it cannot load is left out, as there)."""
        from triagedesk.domain.insight.knowledge import Hit
        from triagedesk.domain.records import KnowledgeEntry

        reader = self.reader()
        found = reader.knowledge_search(text, limit)
        reader.answerable()
        hits = []
        for doc, score, matched in found:
            try:
                entry = KnowledgeEntry.model_validate({k: v for k, v in doc.items() if k[:1] != "_"})
            except ValueError:
                continue  # a malformed entry from another client is not a resolution to show
            hits.append(Hit(entry, score, matched))
        return hits

    def export(self, kind: str, fmt: Format) -> Iterator[bytes]:
        """Every record of `kind` as `fmt` (UTF-8), in chunks as they are read (app/exporting.py); nothing comes
        out before the snapshot's checksum is known good."""
        from triagedesk.app.exporting import export_chunks, once_checked

        return once_checked(self.store, export_chunks(self.store, kind, fmt), kind)

    def close(self) -> None:
        for opened in (self._store, self._reader):
            if opened is not None:
                opened.close()


def open_reading(path: str | os.PathLike[str], clock: Callable[[], datetime] = utcnow) -> Reading:
    """The store at `path` (which must exist), to be read (opened by its first question)."""
    return Reading(path, clock)
