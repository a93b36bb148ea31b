"""The replica port (`app/replica.py`) over the store: records by their ids through the journal's id indexes,
the sync states, checkpoint and rejected list in the store's own tables."""

from __future__ import annotations

from collections.abc import Callable, Iterable, MutableMapping
from contextlib import AbstractContextManager
from typing import Any

from triagedesk.app.replica import Carried, Changes, Record, Slot
from triagedesk.app.replica_changes import PendingRecords
from triagedesk.store.lazy_docs import LazyDocs
from triagedesk.store.repositories import Store
from triagedesk.store.table import JournalTable
from triagedesk.store.validity import REJECTED, SYNC_STATE

META = "_sync_meta"
"""The pull checkpoint, and whether this desk ever left one on the server (one document)."""


def _replacing(doc: dict[str, Any]) -> Callable[[MutableMapping[str, Any]], None]:
    """A table update that makes the stored document exactly `doc`."""
    def replace(stored: MutableMapping[str, Any]) -> None:
        stored.clear()
        stored.update(doc)

    return replace


class StoreReplica:
    """What a replicator may do to one store (see `Replica`)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @property
    def identity(self) -> str:
        return str(self.store.path.resolve())

    def _table(self, name: str) -> JournalTable:
        return self.store.db.table(name)

    def _doc_id(self, table: str, key: str) -> str | None:
        """The store's own id of the document with this `id` (the journal's id index)."""
        return self.store.journal.id_index(table).get(key)

    # -- the records ---------------------------------------------------------------------------
    def refresh(self) -> None:
        self.store.refresh()

    def transaction(self) -> AbstractContextManager[Any]:
        return self.store.transaction()

    def subscribe(self, listener: Callable[[set[Slot]], None]) -> Callable[[], None]:
        return self.store.subscribe(listener)

    def changes(self, kinds: tuple[str, ...]) -> Changes:
        return PendingRecords(self.store, kinds, SYNC_STATE)

    def record(self, kind: str, record_id: str) -> Record | None:
        doc_id = self._doc_id(kind, record_id)
        return None if doc_id is None else self._table(kind).doc(doc_id)

    def insert(self, kind: str, records: list[Record]) -> None:
        if records:
            self._table(kind).insert_multiple(records)

    def replace(self, kind: str, record_id: str, record: Record) -> None:
        doc_id = self._doc_id(kind, record_id)
        if doc_id is None:
            self._table(kind).insert(record)
        else:
            self._table(kind).update(_replacing(record), doc_ids=[doc_id])

    def remove(self, kind: str, record_id: str) -> None:
        doc_id = self._doc_id(kind, record_id)
        if doc_id is not None:
            self._table(kind).remove(doc_ids=[doc_id])

    def carried(self, request_ids: set[str], kinds: tuple[str, ...]) -> dict[str, Carried]:
        """From the tables' stored columns: only the records carried are parsed."""
        found: dict[str, list[tuple[str, Record]]] = {}
        if not request_ids:
            return {}
        journal = self.store.journal
        with journal.mutex:
            for kind in kinds:
                table = journal.tables.get(kind, {})
                if isinstance(table, LazyDocs):
                    doc_ids, (owners,) = table.field_columns(("request_id",))
                else:
                    doc_ids, owners = list(table), [d.get("request_id") for d in table.values()]
                for doc_id, owner in zip(doc_ids, owners, strict=True):
                    if owner in request_ids:
                        found.setdefault(str(owner), []).append((kind, table[doc_id]))
        return {key: tuple(sorted(value, key=lambda item: (item[0], str(item[1].get("id")))))
                for key, value in found.items()}

    def audit(self, actor: str, action: str, kind: str, record_id: str, before: dict[str, Any] | None,
              after: dict[str, Any] | None, note: str = "") -> None:
        self.store.audit(actor, action, kind, record_id, before, after, note=note)

    # -- sync states ---------------------------------------------------------------------------
    def states(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Through the id index (a pull page need not read them all)."""
        journal = self.store.journal
        journal.refresh()  # once; then straight lookups (a table's doc() would check the journal for each key)
        with journal.mutex:
            states = journal.tables.get(SYNC_STATE, {})
            index = journal.id_index(SYNC_STATE)
            return {key: states[index[key]] for key in keys if index.get(key) in states}

    def all_states(self) -> list[dict[str, Any]]:
        return [dict(doc) for doc in self._table(SYNC_STATE)]

    def set_states(self, entries: list[dict[str, Any]]) -> None:
        table = self._table(SYNC_STATE)
        inserts = []
        for entry in entries:
            entry = {"id": entry["key"], **entry}
            doc_id = self._doc_id(SYNC_STATE, entry["key"])
            if doc_id is None:
                inserts.append(entry)
            else:
                table.update(_replacing(entry), doc_ids=[doc_id])
        if inserts:
            table.insert_multiple(inserts)

    def forget_states(self, keys: Iterable[str] | None = None) -> None:
        table = self._table(SYNC_STATE)
        if keys is None:
            table.truncate()
            return
        doc_ids = [doc_id for key in keys if (doc_id := self._doc_id(SYNC_STATE, key)) is not None]
        if doc_ids:
            table.remove(doc_ids=doc_ids)

    # -- checkpoints ---------------------------------------------------------------------------
    def sync_meta(self) -> dict[str, Any]:
        found = self._table(META).get(doc_id=1)
        return dict(found) if isinstance(found, dict) else {}

    def set_sync_meta(self, fields: dict[str, Any]) -> None:
        meta = self._table(META)
        if meta.get(doc_id=1):
            meta.update(fields, doc_ids=[1])
        else:
            meta.insert({"since": 0, **fields})

    # -- the rejected list ---------------------------------------------------------------------
    def rejections(self) -> list[dict[str, Any]]:
        return [dict(doc) for doc in self._table(REJECTED)]

    def rejection(self, key: str) -> dict[str, Any] | None:
        doc_id = self._doc_id(REJECTED, key)
        return None if doc_id is None else self._table(REJECTED).doc(doc_id)

    def put_rejection(self, entry: dict[str, Any]) -> None:
        self.replace(REJECTED, str(entry["id"]), entry)

    def drop_rejections(self, keys: Iterable[str]) -> None:
        doc_ids = [doc_id for key in set(keys) if (doc_id := self._doc_id(REJECTED, key)) is not None]
        if doc_ids:
            self._table(REJECTED).remove(doc_ids=doc_ids)
