"""Which local records wait to be pushed (the replica's `changes`): one full scan, then only the records the
store says changed."""

from __future__ import annotations

import threading
from typing import Any

from triagedesk.app.replica import Record, Slot
from triagedesk.store.lazy_docs import LazyDocs
from triagedesk.store.repositories import Store


class PendingRecords:
    """The records changed since they were last in step with the server.

    The first call compares every record with its sync state. After that only the records the store's change
    notices name (this process's writes, and other processes' once caught up) and the ones still pending are
    looked at again, so a live desk with 400k records does not rescan them every few seconds. A removed sync
    state (the server forgot this desk) brings back the full scan.
    """

    def __init__(self, store: Store, kinds: tuple[str, ...], state_table: str) -> None:
        self.store = store
        self.rank = {kind: n for n, kind in enumerate(kinds)}
        self.state_table = state_table
        self._lock = threading.Lock()
        self._touched: set[Slot] = set()
        self._dirty: set[Slot] | None = None  # None: scan everything on the next call
        self._removed: list[tuple[str, str | None]] = []  # (key, rev): records deleted here, tombstone not sent
        self._unsubscribe = store.subscribe(self._changed)

    def close(self) -> None:
        self._unsubscribe()

    def _changed(self, changed: set[Slot]) -> None:
        """On whichever thread wrote: note the slots to look at again."""
        with self._lock:
            self._touched.update(slot for slot in changed if slot[0] in self.rank or slot[0] == self.state_table)

    def records(self) -> list[tuple[str, Record]]:
        self.store.refresh()  # other processes' commits arrive as change notices
        with self._lock:
            touched, self._touched = self._touched, set()
        journal = self.store.journal
        with journal.mutex:  # one consistent view; lookups straight in the tables, no per-record refresh
            tables = journal.tables
            dirty = None
            if self._dirty is not None and len(self._dirty) + len(touched) < RECHECK_AT_MOST:
                dirty = self._recheck(tables, self._dirty, touched)
            if dirty is None:
                dirty = self._scan(tables)
                self._removed = self._scan_removed(tables)
            elif self._removed or any(table == self.state_table or doc_id not in tables.get(table, {})
                                      for table, doc_id in touched):
                self._removed = self._scan_removed(tables)  # only when something went, or a state moved
            self._dirty = dirty
            ordered = sorted(dirty, key=lambda slot: (self.rank[slot[0]], int(slot[1])))
            return [(kind, tables[kind][doc_id]) for kind, doc_id in ordered]

    def removed(self) -> list[tuple[str, str | None]]:
        """(key, revision) of every record deleted here since it was last in step: their tombstones go next.
        Call after `records()`, which finds them."""
        return list(self._removed)

    def _scan_removed(self, tables: dict[str, dict[str, dict[str, Any]]]) -> list[tuple[str, str | None]]:
        journal = self.store.journal
        out = []
        for entry in tables.get(self.state_table, {}).values():
            if entry.get("deleted") or not entry.get("rev") or str(entry["rev"]).startswith("in:"):
                continue  # carried records (`in:REV`) go with their request: no tombstone of their own
            kind, _, key = str(entry.get("key", "")).partition(":")
            if kind in self.rank and kind != "audit" and journal.id_index(kind).get(key) is None:
                out.append((entry["key"], entry["rev"]))
        return out

    def _scan(self, tables: dict[str, Any]) -> set[Slot]:
        """Every record whose `_updated_at` is not the one last in step (read from the snapshot's stored
        columns: no record is parsed but those written since)."""
        _, (keys, stamps) = _columns(tables.get(self.state_table, {}), ("key", "updated_at"))
        state = dict(zip(keys, stamps, strict=True))
        dirty = set()
        for kind in self.rank:
            doc_ids, (ids, updated) = _columns(tables.get(kind, {}), ("id", "_updated_at"))
            for doc_id, key, stamp in zip(doc_ids, ids, updated, strict=True):
                if state.get(f"{kind}:{key}", _NEVER) != stamp:
                    dirty.add((kind, doc_id))
        return dirty

    def _recheck(self, tables: dict[str, dict[str, dict[str, Any]]], dirty: set[Slot],
                 touched: set[Slot]) -> set[Slot] | None:
        """The slots still or newly pending; None when a sync state was removed (then everything is)."""
        journal = self.store.journal
        states = tables.get(self.state_table, {})
        candidates = set(dirty)
        for table, doc_id in touched:
            if table != self.state_table:
                candidates.add((table, doc_id))
                continue
            entry = states.get(doc_id)
            if entry is None:
                return None
            kind, _, key = str(entry.get("key", "")).partition(":")
            record = journal.id_index(kind).get(key) if kind in self.rank else None
            if record is not None:
                candidates.add((kind, record))
        index = journal.id_index(self.state_table)
        out = set()
        for kind, doc_id in candidates:
            doc = tables.get(kind, {}).get(doc_id)
            if doc is None:
                continue  # removed locally: nothing to send
            state_id = index.get(f"{kind}:{doc['id']}")
            entry = states.get(state_id) if state_id is not None else None
            if entry is None or entry.get("updated_at") != doc.get("_updated_at"):
                out.add((kind, doc_id))
        return out


RECHECK_AT_MOST = 20_000
"""More slots to look at than this, and one pass over everything is cheaper than looking each up."""


_NEVER = object()


def _columns(docs: Any, fields: tuple[str, ...]) -> tuple[list[str], list[list[Any]]]:
    if isinstance(docs, LazyDocs):
        return docs.field_columns(fields)
    items = list(docs.items())
    return [k for k, _ in items], [[d.get(f) for _, d in items] for f in fields]
