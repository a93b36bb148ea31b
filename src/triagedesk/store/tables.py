"""The store's tables in memory: each a `LazyDocs` (doc_id -> document), their highest doc_ids, and the index
from a record's `id` to its doc_id, kept in step with every change applied to them."""

from __future__ import annotations

from typing import Any

from triagedesk.store.id_index import IdIndex
from triagedesk.store.journal_format import META
from triagedesk.store.lazy_docs import LazyDocs

Raw = dict[str, Any]
"""table -> LazyDocs (the `_meta` table: a plain dict), as the snapshot was read and TinyDB's Storage sees it."""


class RecordTables:
    """Every table's documents, the next doc_id of each, and records found by their `id`."""

    def __init__(self, raw: Raw | None = None) -> None:
        self.raw: Raw = {}
        self.max_ids: dict[str, int] = {}
        self._ids: dict[str, IdIndex] = {}  # table -> record id -> doc_id (built on first use)
        self.replace(raw or {})

    def replace(self, raw: Raw) -> None:
        """Hold these tables instead (a snapshot read, a reload): the `id` index is built again when asked."""
        self.raw = raw
        self.max_ids = {name: t.max_id() for name, t in raw.items() if isinstance(t, LazyDocs)}
        self._ids = {}

    def rebase(self, raw: Raw) -> None:
        """The same documents, read from a snapshot just written: the indexes stay as they are."""
        self.raw = raw

    def docs(self, table: str) -> Any:
        """A table's documents (created empty when it has none yet)."""
        found = self.raw.get(table)
        if found is None:
            found = self.raw[table] = {} if table == META else LazyDocs()
        return found

    def apply(self, table: str, doc_id: str, doc: dict[str, Any] | None) -> None:
        """Set (or, for None, remove) one document, and note it."""
        docs = self.docs(table)
        if doc is None:
            docs.pop(doc_id, None)
        else:
            docs[doc_id] = doc
        self.noted(table, doc_id, doc)

    def noted(self, table: str, doc_id: str, doc: dict[str, Any] | None) -> None:
        """Keep the next doc_id and the `id` index in step with a document already set in its table."""
        fresh = False  # a doc_id above every one used: no entry of the index names it
        if doc is not None:
            number = int(doc_id)
            if number > self.max_ids.get(table, 0):
                self.max_ids[table] = number
                fresh = True
        index = self._ids.get(table)
        if index is not None:
            key = doc.get("id") if isinstance(doc, dict) else None
            index.noted(doc_id, key if isinstance(key, str) else None, fresh)

    def next_id(self, table: str) -> str:
        """The doc_id a new document of `table` takes (the caller records it before asking again)."""
        return str(self.max_ids.get(table, 0) + 1)

    def id_index(self, table: str) -> IdIndex:
        """The `id` field -> doc_id index of a table, built on first use (from the stored `id` column)."""
        index = self._ids.get(table)
        if index is None:
            docs = self.raw.get(table)
            index = self._ids[table] = IdIndex.of(docs) if isinstance(docs, LazyDocs) else IdIndex()
        return index

    def has_id_index(self, table: str) -> bool:
        return table in self._ids

    def adopt_id_index(self, table: str, index: IdIndex) -> None:
        """Hold `index`, built from the table as it is now (store/warming.py), as its `id` index."""
        self._ids[table] = index

    def pairs(self) -> set[tuple[str, str]]:
        """Every (table, doc_id) held (what a reload may have changed)."""
        return {(t, i) for t, docs in self.raw.items() for i in docs}


__all__ = ["RecordTables", "Raw"]
