"""Whole kinds of records: import, export, the demo's load, what other processes change, what was rejected."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel

from triagedesk.app import memory
from triagedesk.domain.records import AuditEntry
from triagedesk.store.bulk import BulkLoad
from triagedesk.store.errors import StoreError
from triagedesk.store.repositories import Repository, Store
from triagedesk.store.validity import REJECTED
from triagedesk.store.watch import Changes
from triagedesk.store.watch import ChangeWatcher as Follower

__all__ = ["Changes", "Follower", "Records"]


class Records:
    """The store's records kind by kind, for import/export, the demo, the watcher and the rejected list."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def repository(self, kind: str) -> Repository[Any]:
        """The records of one kind (issues, experts, requests, sessions, ...)."""
        return self.store.repository(kind)

    def all(self, kind: str) -> list[Any]:
        return self.store.repository(kind).all()

    def put_many(self, kind: str, models: list[BaseModel], actor: str, action: str = "import",
                 note: str = "") -> tuple[int, int]:
        """Insert or replace records of one kind in one durable write: (inserted, updated)."""
        return self.store.repository(kind).put_many(models, actor=actor, action=action, note=note)

    def load_demo(self, parts: Iterable[Any], kinds: tuple[str, ...], note: str,
                  written: Callable[[Any], None] | None = None, folding: Callable[[], None] | None = None) -> None:
        """Write a generated demo history part by part, each part one durable write (an interrupted load leaves
        whole parts), with no compaction until the end, then fold the journal into the snapshot once so the next
        open is fast (and, when the journal held the demo alone, keep no second copy of it: `BulkLoad.fold`).
        `written(part)` is called after each part is committed, `folding()` before the fold."""
        load = BulkLoad(self.store.journal)
        for part in parts:  # compacting every few MB would rewrite the growing snapshot each time: deferred
            with load.commit(), self.store.transaction():
                for kind in kinds:
                    models = getattr(part, kind)
                    if models:
                        self.store.repository(kind).put_many(models, actor="demo", action="demo", note=note)
            memory.keep_loaded()  # what is stored stays (walking it after every part was a third of the time)
            if written is not None:
                written(part)
        if folding is not None:
            folding()
        try:
            load.fold()
        except StoreError:
            pass  # the demo is committed in the journal, which stays in force; a later write compacts

    def follow(self, on_change: Callable[[Changes], None], interval: float,
               on_error: Callable[[Exception], None]) -> Follower:
        """Call `on_change` (on a thread) with what other processes changed; `.stop()` the result."""
        return Follower(self.store, on_change, interval, on_error=on_error).start()

    def audit_entries(self) -> list[AuditEntry]:
        return self.store.audit_log.all()

    def on_skipped(self, tell: Callable[[str], None]) -> None:
        """Who is told, once per record, that one the models cannot load was left out (`db check` names it)."""
        self.store.on_skip = tell

    def rejected(self) -> list[dict[str, Any]]:
        """The store's rejected list (see store/validity.py), newest first."""
        self.store.refresh()
        return sorted((dict(d) for d in self.store.db.table(REJECTED)), key=lambda d: str(d.get("at")), reverse=True)
