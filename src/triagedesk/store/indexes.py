"""Secondary indexes over the store's tables, as CouchDB views are: declared per kind, kept in step with
every change the journal applies (ours, other writers', a sync pull), rebuilt from the tables after a load.

Each table's indexes are built from its documents on first use (from the snapshot's stored columns, held as
arrays: store/compact_fields.py), then every applied change updates them in O(fields of that document). A value
that is not a string, number, bool or null (a hostile document's list or object) is not indexed under any key.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Mapping
from typing import Any

from triagedesk.domain.insight.knowledge import terms_of_document
from triagedesk.domain.insight.stored_knowledge import StoredKnowledge
from triagedesk.store.compact_fields import GONE, CompactField, build_field
from triagedesk.store.lazy_docs import LazyDocs
from triagedesk.store.postings import UNINDEXED, key_of

_EXACT = frozenset({str, int, float, bool})
KNOWLEDGE = "knowledge"
_key = key_of
_UNINDEXED = UNINDEXED
_GONE = GONE


class FieldIndex:
    """One table's field indexes, each built from the table's stored columns on its first use."""

    def __init__(self, fields: tuple[str, ...], docs: Mapping[str, Mapping[str, Any]], lean: bool = False) -> None:
        self.fields = fields
        self.docs = docs
        """The table's documents, to build a field from (the journal passes the current ones on each use)."""
        self.built: dict[str, CompactField] = {}
        self.lean = lean
        """A process that asks a few questions and exits: a lookup scans the field's column (read once, kept
        until a change) instead of building the field's index."""
        self._scanned: dict[str, tuple[list[str], list[Any]]] = {}

    def of(self, field: str) -> CompactField:
        found = self.built.get(field)
        if found is None:
            if field not in self.fields:
                raise KeyError(f"no index declared on {field!r}")
            found = self.built[field] = build_field(self.docs, field)
        return found

    def change(self, doc_id: str, doc: Mapping[str, Any] | None) -> None:
        self._scanned.clear()
        for name, built in self.built.items():
            built.change(doc_id, _key(doc.get(name)) if isinstance(doc, Mapping) else _GONE)

    def lookup(self, field: str, value: Any) -> list[str]:
        """The doc_ids holding `value`, in doc_id order (the tables' own order)."""
        if value is not None and type(value) not in _EXACT:
            return []
        if self.lean and field not in self.built:
            return sorted(self._scan(field, _key(value)), key=int)
        return sorted(self.of(field).ids(_key(value)), key=int)

    def _scan(self, field: str, key: Any) -> list[str]:
        """The doc_ids whose `field` holds `key` (as `key_of` keys it), found in the field's column."""
        found = self._scanned.get(field)
        if found is None:
            if field not in self.fields:
                raise KeyError(f"no index declared on {field!r}")
            docs = self.docs
            if isinstance(docs, LazyDocs):  # the doc_ids only of what is found, when nothing changed since
                keys, (column,) = docs.field_columns((field,), keyed=False)
            else:
                held = [(k, d) for k, d in docs.items() if isinstance(d, Mapping)]
                keys, column = [k for k, _ in held], [d.get(field) for _, d in held]
            found = self._scanned[field] = (keys, column)
        keys, column = found
        if type(key) is str:  # a string equals only a string: the list's own search, at C speed
            positions, at = [], -1
            while True:
                try:
                    at = column.index(key, at + 1)
                except ValueError:
                    break
                positions.append(at)
        else:
            positions = [i for i, v in enumerate(column) if (k := _key(v)) is not _UNINDEXED and k == key]
        if keys or not positions:
            return [keys[i] for i in positions]
        base = self.docs.base.load() if isinstance(self.docs, LazyDocs) and self.docs.base is not None else None
        assert base is not None  # an unkeyed column is the snapshot's own: row i is its record i
        return [str(base.doc_ids[i]) for i in positions]


class Indexes:
    """Every declared index of one store, fed by the journal's single `change` hook."""

    def __init__(self, declared: Mapping[str, tuple[str, ...]], lean: bool = False) -> None:
        self.declared = dict(declared)
        self.lean = lean
        """Lookups scan a field's column rather than build its index (see `FieldIndex.lean`)."""
        self.fields: dict[str, FieldIndex] = {}
        self.knowledge: StoredKnowledge | None = None

    def reset(self) -> None:
        """Forget every index (the tables were reloaded); each is rebuilt on its next use."""
        self.fields = {}
        self.knowledge = None

    def change(self, table: str, doc_id: str, doc: Mapping[str, Any] | None) -> None:
        """One document changed (None: removed). Called by the journal wherever a change is applied."""
        index = self.fields.get(table)
        if index is not None:
            index.change(doc_id, doc)
        if table == KNOWLEDGE and self.knowledge is not None:
            self._put_knowledge(doc_id, doc)

    def field(self, table: str, docs: Mapping[str, Mapping[str, Any]]) -> FieldIndex:
        """The table's field indexes, built from `docs` (its documents) the first time."""
        index = self.fields.get(table)
        if index is None:
            fields = self.declared.get(table)
            if not fields:
                raise KeyError(f"no index declared on {table!r}")
            index = self.fields[table] = FieldIndex(fields, docs, self.lean)
        index.docs = docs
        return index

    def knowledge_index(self, docs: Mapping[str, Mapping[str, Any]]) -> StoredKnowledge:
        if self.knowledge is None:
            self.knowledge = knowledge_of(docs)
        return self.knowledge

    def _put_knowledge(self, doc_id: str, doc: Mapping[str, Any] | None) -> None:
        assert self.knowledge is not None
        if not isinstance(doc, Mapping):
            self.knowledge.remove(doc_id)
            return
        self.knowledge.put(doc_id, *_entry(doc))


def _entry(doc: Any) -> tuple[str, set[bytes]]:
    """A knowledge document's entry id ("" when it has none) and its terms."""
    if not isinstance(doc, Mapping):
        return "", set()
    entry_id = doc.get("id")
    return entry_id if isinstance(entry_id, str) else "", terms_of_document(doc)


def knowledge_of(docs: Mapping[str, Any], between: Callable[[], None] = lambda: None,
                 chunk: int = 5000) -> StoredKnowledge:
    """The knowledge index of a table's documents: its snapshot's entries from the stored columns (no entry parsed,
    no text split again, held as arrays), those written since parsed; `between()` after each step (no lock is
    needed for a copy of the table: store/warming.py)."""
    base = docs.base.load() if isinstance(docs, LazyDocs) and docs.base is not None else None
    if isinstance(docs, LazyDocs) and base is not None and "id" in base.fields and "$terms" in base.fields:
        ids = base.column("id")
        between()
        texts = base.column("$terms")
        between()
        knowledge = StoredKnowledge(base.doc_ids, ids, texts)
        del ids, texts
        between()
        for doc_id, found in list(docs.changed.items()):
            raw = docs.raw(doc_id) if found is not None else None
            if raw is None:
                knowledge.remove(doc_id)
            else:
                knowledge.put(doc_id, *_entry(docs.parse(raw)))
        return knowledge
    knowledge = StoredKnowledge(array("q"), [], [])
    if not isinstance(docs, LazyDocs):
        for doc_id, doc in docs.items():
            knowledge.put(doc_id, *_entry(doc))
        return knowledge
    keys, (ids, terms) = docs.field_columns(("id", "$terms"))  # the stored words: no text split again
    for n, (doc_id, entry_id, text) in enumerate(zip(keys, ids, terms, strict=True)):
        if n and not n % chunk:
            between()
        knowledge.put(doc_id, entry_id if isinstance(entry_id, str) else "",
                      frozenset(text.encode("latin-1").split()) if isinstance(text, str) else frozenset())
    return knowledge


__all__ = ["FieldIndex", "Indexes", "knowledge_of"]
