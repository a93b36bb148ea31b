"""A TinyDB `Table` whose writes cost O(changed documents), not O(table), and commit durably."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import Any, cast

import orjson
from tinydb import Storage, TinyDB
from tinydb.table import Document, Table

from triagedesk.store.journal import JournalStorage


class _TrackedTable(MutableMapping[int, Any]):
    """TinyDB's updater view of a table: int ids over our str-keyed documents, recording what changed.

    TinyDB's `update` mutates the document it reads through `[]` in place; the store hands out a fresh copy
    on every read, so the copy is kept, its JSON remembered, and compared at the end of the update.
    """

    def __init__(self, raw: MutableMapping[str, Any]) -> None:
        self.raw = raw
        self.written: dict[str, Any] = {}  # insertion-ordered: doc_id -> the document set (None: removed)
        self.handed: dict[str, tuple[Any, bytes]] = {}

    def __getitem__(self, doc_id: int) -> Any:
        key = str(doc_id)
        if key in self.written:
            doc = self.written[key]
            if doc is None:
                raise KeyError(doc_id)
            return doc
        held = self.handed.get(key)
        if held is not None:
            return held[0]
        doc = self.raw[key]
        self.handed[key] = (doc, orjson.dumps(doc))
        return doc

    def __setitem__(self, doc_id: int, doc: Any) -> None:
        key = str(doc_id)
        self.raw[key] = doc
        self.written[key] = doc
        self.handed.pop(key, None)

    def __delitem__(self, doc_id: int) -> None:
        key = str(doc_id)
        del self.raw[key]
        self.written[key] = None
        self.handed.pop(key, None)

    def __contains__(self, doc_id: object) -> bool:
        key = str(doc_id)
        if key in self.written:
            return self.written[key] is not None
        return key in self.raw

    def __iter__(self) -> Iterator[int]:
        return (int(k) for k in self.raw)

    def __len__(self) -> int:
        return len(self.raw)

    def keys(self):
        return [int(k) for k in self.raw]

    def clear(self) -> None:
        self.written.update(dict.fromkeys(self.raw))
        self.handed = {}
        self.raw.clear()

    def changes(self) -> list[tuple[str, Any]]:
        """(doc_id, document or None) of every document the update set, removed or changed in place."""
        out = list(self.written.items())
        for key, (doc, before) in self.handed.items():
            if orjson.dumps(doc) != before:
                self.raw[key] = doc
                out.append((key, doc))
        return out


class JournalTable(Table):
    """TinyDB's table API, unchanged for callers; every write is one durable journal record."""

    _storage: JournalStorage
    _next_id: int | None  # type: ignore[assignment]  # TinyDB leaves it unannotated (None), then stores ints

    def __init__(self, storage: Storage, name: str, cache_size: int = Table.default_query_cache_capacity,
                 persist_empty: bool = False) -> None:
        super().__init__(storage, name, cache_size, persist_empty)
        self._seen_version = -1

    # writes: whole public operations run in one transaction, so ids and reads are fresh
    def _in_transaction(self, operation: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with self._storage.transaction():
            self._next_id = None
            return operation(*args, **kwargs)

    def insert(self, document: Mapping) -> int:
        return cast(int, self._in_transaction(super().insert, document))

    def insert_multiple(self, documents: Any) -> list[int]:
        return cast(list[int], self._in_transaction(super().insert_multiple, documents))

    def update(self, fields: Any, cond: Any = None, doc_ids: Any = None) -> list[int]:
        return cast(list[int], self._in_transaction(super().update, fields, cond, doc_ids))

    def update_multiple(self, updates: Any) -> list[int]:
        return cast(list[int], self._in_transaction(super().update_multiple, updates))

    def upsert(self, document: Mapping, cond: Any = None) -> list[int]:
        return cast(list[int], self._in_transaction(super().upsert, document, cond))

    def remove(self, cond: Any = None, doc_ids: Any = None) -> list[int]:
        return cast(list[int], self._in_transaction(super().remove, cond, doc_ids))

    def truncate(self) -> None:
        self._in_transaction(super().truncate)

    def _get_next_id(self) -> int:
        if self._next_id is None:
            self._next_id = self._storage.max_ids.get(self.name, 0) + 1
        next_id = self._next_id
        self._next_id = next_id + 1
        return next_id

    def _update_table(self, updater: Callable[[dict[int, Mapping]], None]) -> None:
        storage = self._storage
        with storage.transaction():
            view = _TrackedTable(storage.docs(self.name))
            try:
                updater(cast(dict, view))
                for key, doc in view.changes():
                    storage.record(self.name, key, doc)
            except BaseException:
                # the updater may have changed documents in memory before failing (a value the journal
                # cannot encode): what is in memory goes back to what is on disk, as for a failed commit
                storage.discard_changes()
                raise
        self.clear_cache()

    # reads see other processes' commits, and the query cache is dropped when anything changed
    def _read_table(self) -> dict[str, Mapping]:
        tables = self._storage.read()
        if self._storage.version != self._seen_version:
            self._seen_version = self._storage.version
            self._query_cache.clear()
        return cast(dict[str, Mapping], tables.get(self.name, {}))  # invariant dict: ours holds dicts

    def search(self, cond: Any) -> list[Document]:
        with self._storage.mutex:
            self._read_table()
            return super().search(cond)

    def doc(self, doc_id: int) -> dict[str, Any] | None:
        """The raw stored document with this TinyDB id (no copy: do not mutate)."""
        with self._storage.mutex:
            return self._read_table().get(str(doc_id))  # type: ignore[return-value]

    def raw_docs(self) -> list[dict[str, Any]]:
        """Every stored document (no copies: do not mutate)."""
        with self._storage.mutex:
            return list(self._read_table().values())  # type: ignore[arg-type]

    def raw_items(self) -> list[tuple[str, dict[str, Any]]]:
        with self._storage.mutex:
            return list(self._read_table().items())  # type: ignore[arg-type]


class JournalDB(TinyDB):
    """TinyDB on the journal storage."""

    table_class = JournalTable
    _storage: JournalStorage

    @property
    def journal(self) -> JournalStorage:
        return self._storage

    def table(self, name: str, **kwargs: Any) -> JournalTable:
        """TinyDB's `table`, typed as the class it makes (`table_class`)."""
        return cast(JournalTable, super().table(name, **kwargs))
