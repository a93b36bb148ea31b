"""TinyDB on the journal through its documented extension points: a `Storage`, and a `Table` subclass set as
`TinyDB.table_class` whose public write methods commit whole documents to the journal (no private member of
TinyDB is overridden or read); TinyDB's own reads (`get`, `search`, `all`, queries, `Document`) run unchanged
over the tables the storage hands it."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from typing import Any, cast

import orjson
from tinydb import Storage, TinyDB
from tinydb.table import Document, Table

from triagedesk.store.journal import META, Journal
from triagedesk.store.lazy_docs import LazyDocs

Fields = Mapping[str, Any] | Callable[[MutableMapping[str, Any]], None]


def replace_all(journal: Journal, data: dict[str, Any]) -> None:
    """Make the journal's tables exactly `data`, written as whole-document changes in one transaction."""
    with journal.transaction():
        held = journal.records.raw
        for name in set(held) | set(data):
            if name == META:
                continue
            old, new = held.get(name, {}), data.get(name, {})
            for doc_id in set(old) | set(new):
                if old.get(doc_id) != new.get(doc_id) or doc_id not in new:
                    journal.record(name, doc_id, new.get(doc_id))
        tables = {name: LazyDocs.of(docs) for name, docs in data.items() if name != META}
        if META in held:
            tables[META] = held[META]
        top = dict(journal.records.max_ids)
        journal.records.replace(tables)
        for name, number in top.items():  # a doc_id once used is not given again
            journal.records.max_ids[name] = max(number, journal.records.max_ids.get(name, 0))
        if journal.indexes is not None:
            journal.indexes.reset()


class JournalStorage(Storage):
    """TinyDB's `Storage` over a `Journal`: `read` gives the tables as they are now (each a lazy mapping, so
    nothing is parsed that is not asked for), `write` replaces them whole (TinyDB's `drop_tables`)."""

    def __init__(self, path: str | os.PathLike[str], create: bool = True, reading: bool = False) -> None:
        self.journal = Journal(path, create, reading)

    def read(self) -> dict[str, Any]:
        self.journal.refresh()
        return self.journal.tables

    def write(self, data: dict[str, Any]) -> None:
        replace_all(self.journal, data)

    def close(self) -> None:
        self.journal.close()


class JournalTable(Table):
    """TinyDB's table API, unchanged for callers; every write is one durable journal record of the documents it
    set or removed, costing O(those documents), never O(table)."""

    _seen = -1  # the journal's version the query cache was filled at

    @property
    def journal(self) -> Journal:
        return cast(JournalStorage, self.storage).journal

    def _write(self, work: Callable[[Journal, Any], list[int]]) -> list[int]:
        """Run `work(journal, docs)` in one transaction; a failure half-way reloads what is committed."""
        journal = self.journal
        with journal.transaction():
            try:
                done = work(journal, journal.docs(self.name))
            except BaseException:
                journal.discard_changes()
                raise
        self.clear_cache()
        return done

    def _targets(self, docs: Any, cond: Any, doc_ids: Iterable[Any] | None) -> list[str]:
        if doc_ids is not None:
            return [key for key in (str(d) for d in doc_ids) if key in docs]
        if cond is None:
            return list(docs)
        return [key for key, doc in docs.items() if cond(doc)]

    def insert(self, document: Mapping) -> int:
        return self.insert_multiple([document])[0]

    def insert_multiple(self, documents: Iterable[Mapping]) -> list[int]:
        def work(journal: Journal, docs: Any) -> list[int]:
            ids: list[int] = []
            for document in documents:
                if not isinstance(document, Mapping):
                    raise ValueError("Document is not a Mapping")
                given = isinstance(document, Document)
                key = str(document.doc_id) if isinstance(document, Document) else journal.records.next_id(self.name)
                if given and key in docs:
                    raise ValueError(f"Document with ID {key} already exists")
                journal.put(self.name, key, dict(document))
                ids.append(int(key))
            return ids
        return self._write(work)

    def update(self, fields: Fields, cond: Any = None, doc_ids: Iterable[Any] | None = None) -> list[int]:
        return self.update_multiple([(fields, cond)], doc_ids)

    def update_multiple(self, updates: Iterable[tuple[Fields, Any]],
                        doc_ids: Iterable[Any] | None = None) -> list[int]:
        wanted = list(doc_ids) if doc_ids is not None else None

        def work(journal: Journal, docs: Any) -> list[int]:
            done: dict[str, None] = {}
            for fields, cond in updates:
                for key in self._targets(docs, cond if wanted is None else None, wanted):
                    doc = docs[key]  # a fresh copy
                    before = orjson.dumps(doc)
                    if callable(fields):
                        fields(doc)
                    else:
                        doc.update(fields)
                    if orjson.dumps(doc) != before:
                        journal.put(self.name, key, doc)
                    done[key] = None
            return [int(key) for key in done]
        return self._write(work)

    def upsert(self, document: Mapping, cond: Any = None) -> list[int]:
        doc_ids = [document.doc_id] if isinstance(document, Document) else None
        if doc_ids is None and cond is None:
            raise ValueError("If you don't specify a search query, you must specify a doc_id. "
                             "Hint: use a table.Document object.")
        with self.journal.transaction():
            return self.update(document, cond, doc_ids) or [self.insert(document)]

    def remove(self, cond: Any = None, doc_ids: Iterable[Any] | None = None) -> list[int]:
        if cond is None and doc_ids is None:
            raise RuntimeError("Use truncate() to remove all documents")

        def work(journal: Journal, docs: Any) -> list[int]:
            keys = self._targets(docs, cond, doc_ids)
            for key in keys:
                journal.put(self.name, key, None)
            return [int(key) for key in keys]
        return self._write(work)

    def truncate(self) -> None:
        def work(journal: Journal, docs: Any) -> list[int]:
            for key in list(docs):
                journal.put(self.name, key, None)
            return []
        self._write(work)

    def search(self, cond: Any) -> list[Document]:
        """TinyDB's search; its query cache is dropped whenever the documents changed (another process too)."""
        journal = self.journal
        with journal.mutex:
            journal.refresh()
            if getattr(self, "_seen", None) != journal.version:
                self._seen = journal.version
                self.clear_cache()
            return super().search(cond)

    def doc(self, doc_id: int | str) -> dict[str, Any] | None:
        """The stored document with this doc_id (a fresh copy), or None."""
        journal = self.journal
        journal.refresh()
        with journal.mutex:
            return cast(dict[str, Any] | None, journal.docs(self.name).get(str(doc_id)))

    def raw_docs(self) -> list[dict[str, Any]]:
        """Every stored document (each a fresh copy)."""
        journal = self.journal
        journal.refresh()
        with journal.mutex:
            return list(journal.docs(self.name).values())

    def raw_items(self) -> list[tuple[str, dict[str, Any]]]:
        """(doc_id, document) of every stored document (each a fresh copy)."""
        journal = self.journal
        journal.refresh()
        with journal.mutex:
            return list(journal.docs(self.name).items())


class JournalDB(TinyDB):
    """TinyDB on the journal storage (`JournalDB(path, storage=JournalStorage)`)."""

    table_class = JournalTable

    @property
    def journal(self) -> Journal:
        return cast(JournalStorage, self.storage).journal

    def table(self, name: str, **kwargs: Any) -> JournalTable:
        """TinyDB's `table`, typed as the class it makes (`table_class`)."""
        return cast(JournalTable, super().table(name, **kwargs))
