"""The experts' figures (workload, reviews, turnaround, rating) counted from their requests, kept up to date."""

from __future__ import annotations

import threading
from collections.abc import Collection

from triagedesk.app.engine import Engine
from triagedesk.domain.models import Expert
from triagedesk.domain.requests import performance
from triagedesk.domain.routing.matching import Matcher
from triagedesk.store.repositories import Store


class Figures:
    """Counted once from the stored columns, then recounted per changed request (a counter that sync merges as a
    whole record would drift)."""

    def __init__(self, store: Store, engine: Engine) -> None:
        self.store = store
        self.engine = engine
        self._figures: dict[str, Expert] | None = None
        self._counts: performance.Counts | None = None
        self._recount: set[str] = set()
        self._changes = 0  # how many batches of changes were noticed: figures counted across one are not kept
        self._lock = threading.Lock()
        """Guards the fields above; never held across a read of the store (a read catches up on other processes'
        writes and tells `_changed`, on the same thread, which takes it)."""
        self._counting = threading.Lock()
        """One count at a time (the others wait for it and take its figures)."""
        store.subscribe(self._changed)

    def _changed(self, changed: set[tuple[str, str]]) -> None:
        """On whichever thread wrote or caught up: note the requests to count again."""
        with self._lock:
            for table, doc_id in changed:
                if table == "requests":
                    self._recount.add(doc_id)
                if table in ("requests", "experts"):
                    self._figures = None
                    self._changes += 1

    def counted(self) -> dict[str, Expert]:
        """Every expert (inactive too), by id, with the figures counted from the requests."""
        self.store.refresh()
        with self._counting:
            with self._lock:
                if self._figures is not None:
                    return self._figures
                recount, self._recount, seen = self._recount, set(), self._changes
            if self._counts is None:
                fields = ("assigned_expert_id", "status", "completed_at", "assigned_at", "rating")
                keys, columns = self.store.field_columns("requests", fields)  # no request parsed
                self._counts = performance.Counts.counted(
                    keys, (dict(zip(fields, values, strict=True)) for values in zip(*columns, strict=True)))
            else:
                table = self.store.requests.table
                for doc_id in recount:
                    self._counts.put(doc_id, table.doc(doc_id))
            figures = self._counts.figures(self.store.experts.all())
            with self._lock:
                if self._changes == seen:  # else a change came in meanwhile: the next call counts it
                    self._figures = figures
            return figures

    def expert(self, expert_id: str) -> Expert | None:
        return self.counted().get(expert_id)

    def experts(self, active_only: bool = True) -> list[Expert]:
        """The expert network, by name."""
        found = [e for e in self.counted().values() if e.is_active or not active_only]
        return sorted(found, key=lambda e: ((e.name or e.id).lower(), e.id))

    def works_profile(self, expert: Expert, profile: str | None) -> bool:
        """The expert's specialisations meet the profile's categories (the matcher's rule)."""
        scorer = self.engine.scorer(profile)
        return Matcher(scorer.profile, scorer).works_profile(expert)

    def experts_for(self, profiles: Collection[str | None]) -> list[Expert]:
        """Active experts who work at least one of these profiles, by name (a bulk's choice of experts)."""
        return [e for e in self.experts() if any(self.works_profile(e, p) for p in profiles)]
