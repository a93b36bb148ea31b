"""Building the store's indexes ahead of their first use without holding the journal's lock for a build: each is
built outside the lock from a copy of its table (the snapshot's part shared: its stored columns are read and the
index built after the lock is let go), and put in place only if nothing changed meanwhile (else it is let go: the
next lookup builds it as before). A lookup on another thread waits for no warm-up."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from triagedesk.store.compact_fields import CompactField, build_field
from triagedesk.store.id_index import IdIndex
from triagedesk.store.indexes import knowledge_of
from triagedesk.store.lazy_docs import LazyDocs


def aside(journal: Any, copy: Callable[[], Any], build: Callable[[Any], Any], install: Callable[[Any], None],
          done: Callable[[], bool]) -> None:
    """`copy()` under the lock (unless `done()`), `build(copy)` outside it, `install(built)` under the lock when
    the journal's documents did not change in between and the index is still not built."""
    with journal.mutex:
        if done():
            return
        version = journal.version
        copied = copy()
    built = build(copied)
    with journal.mutex:
        if journal.version == version and not done():
            install(built)


def id_index(journal: Any, table: str) -> None:
    """The table's `id` -> doc_id index (see `RecordTables.id_index`)."""
    records = journal.records
    if not isinstance(records.raw.get(table), LazyDocs):
        journal.id_index(table)
        return
    aside(journal, lambda: journal.docs(table).copy(), IdIndex.of,
          lambda built: records.adopt_id_index(table, built), lambda: records.has_id_index(table))


def field(journal: Any, table: str, name: str) -> None:
    """One declared field index of the table (see `FieldIndex.of`)."""
    indexes = journal._installed()
    docs = journal.docs(table)
    with journal.mutex:
        if table not in indexes.declared:
            return  # the lookup names the mistake
        index = indexes.field(table, docs)
    if name not in index.fields or index.lean:
        return  # a lean reader's lookup scans the field's column (`FieldIndex.lean`): no index to build
    if not isinstance(docs, LazyDocs):
        with journal.mutex:
            index.of(name)
        return

    def install(built: CompactField) -> None:
        if indexes.fields.get(table) is index:
            index.built[name] = built

    aside(journal, lambda: journal.docs(table).copy(), lambda docs: build_field(docs, name), install,
          lambda: name in index.built or indexes.fields.get(table) is not index)


def knowledge(journal: Any, between: Callable[[], None]) -> None:
    """The knowledge index ahead of the first search (a worker), its entries indexed outside the mutex in chunks
    with `between()` after each (~0.4 s of Python at 100k entries otherwise held the mutex and shared the GIL with
    the UI thread in one go); a change meanwhile leaves it to the first search."""
    journal.refresh()
    indexes = journal._installed()
    with journal.mutex:
        docs, version = journal.records.raw.get("knowledge", {}), journal.version
        held = docs.copy() if isinstance(docs, LazyDocs) and indexes.knowledge is None else None
    if held is None:
        return
    built = knowledge_of(held, between)  # the columns read outside the mutex too
    with journal.mutex:
        if journal.version == version and journal.records.raw.get("knowledge") is docs and indexes.knowledge is None:
            indexes.knowledge = built


__all__ = ["aside", "field", "id_index", "knowledge"]
