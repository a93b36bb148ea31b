"""Secondary indexes over the store's tables, as CouchDB views are: declared per kind, kept in step with
every change the journal applies (ours, other writers', a sync pull), rebuilt from the tables after a load.

Each table's indexes are built from its documents on first use (from the snapshot's stored columns, held as
arrays: store/compact_fields.py), then every applied change updates them in O(fields of that document). A value that is not a string, number, bool or
null (a hostile document's list or object) is not indexed under any key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from triagedesk.domain.insight.knowledge import KnowledgeIndex, terms_of_document
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
        self.knowledge: KnowledgeIndex | None = None

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

    def knowledge_index(self, docs: Mapping[str, Mapping[str, Any]]) -> KnowledgeIndex:
        if self.knowledge is None:
            knowledge = KnowledgeIndex()
            if isinstance(docs, LazyDocs):  # from the stored columns: no entry parsed, no text split again
                knowledge = knowledge_from(knowledge_columns(docs))
            else:
                for doc_id, doc in docs.items():
                    entry_id = doc.get("id") if isinstance(doc, Mapping) else None
                    knowledge.put(doc_id, entry_id if isinstance(entry_id, str) else "",
                                  terms_of_document(doc) if isinstance(doc, Mapping) else set())
            self.knowledge = knowledge
        return self.knowledge

    def _put_knowledge(self, doc_id: str, doc: Mapping[str, Any] | None) -> None:
        assert self.knowledge is not None
        if not isinstance(doc, Mapping):
            self.knowledge.remove(doc_id)
            return
        entry_id = doc.get("id")
        self.knowledge.put(doc_id, entry_id if isinstance(entry_id, str) else "", terms_of_document(doc))


KnowledgeColumns = tuple[list[str], list[Any], list[Any]]
"""The knowledge base's doc_ids, entry ids and stored words (`$terms`), one of each an entry."""


def knowledge_columns(docs: LazyDocs) -> KnowledgeColumns:
    """What the knowledge index is built from, read from the stored columns (under the journal's mutex)."""
    keys, (ids, terms) = docs.field_columns(("id", "$terms"))
    return keys, ids, terms


def knowledge_from(columns: KnowledgeColumns, between: Callable[[], None] = lambda: None,
                   chunk: int = 5000) -> KnowledgeIndex:
    """The knowledge index of these columns (no lock needed: they are the caller's); `between()` after every
    `chunk` entries."""
    knowledge = KnowledgeIndex()
    for n, (doc_id, entry_id, text) in enumerate(zip(*columns, strict=True)):
        if n and not n % chunk:
            between()
        knowledge.put(doc_id, entry_id if isinstance(entry_id, str) else "",
                      frozenset(text.encode("latin-1").split()) if isinstance(text, str) else frozenset())
    return knowledge


__all__ = ["FieldIndex", "Indexes", "knowledge_columns", "knowledge_from"]
