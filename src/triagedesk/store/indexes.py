"""Secondary indexes over the store's tables, as CouchDB views are: declared per kind, kept in step with
every change the journal applies (ours, other writers', a sync pull), rebuilt from the tables after a load.

Each table's indexes are built from its documents on first use (under the journal's mutex), then every
applied change updates them in O(fields of that document). A value that is not a string, number, bool or
null (a hostile document's list or object) is not indexed under any key.
"""

from __future__ import annotations

import gc
from collections.abc import Mapping
from typing import Any

from triagedesk.domain.insight.knowledge import KnowledgeIndex, terms_of_document

_SCALARS = (str, int, float, bool)
_EXACT = frozenset(_SCALARS)
KNOWLEDGE = "knowledge"


def _key(value: Any) -> Any:
    return value if value is None or isinstance(value, _SCALARS) else _UNINDEXED


_UNINDEXED = object()


class FieldIndex:
    """One table's field indexes: field -> value -> doc_ids (insertion-ordered)."""

    def __init__(self, fields: tuple[str, ...], docs: Mapping[str, Mapping[str, Any]]) -> None:
        self.fields = fields
        self.maps: dict[str, dict[Any, dict[str, None]]] = {name: {} for name in fields}
        self.odd: dict[str, dict[str, None]] = {name: {} for name in fields}
        """field -> doc_ids whose value is not a scalar (indexed under no key)."""
        self.values: dict[str, tuple[Any, ...]] = {}
        self._build(docs)

    def _build(self, docs: Mapping[str, Mapping[str, Any]]) -> None:
        """`change` for every document at once: the same result, a fraction of the calls."""
        fields, values = self.fields, self.values
        columns = [(self.maps[name], self.odd[name]) for name in fields]
        paused = gc.isenabled()
        gc.disable()  # only kept objects are allocated: a collection would walk the whole store for nothing
        try:
            for doc_id, doc in docs.items():
                if not isinstance(doc, Mapping):
                    continue
                new = tuple([v if v is None or type(v) in _EXACT else _key(v) for v in map(doc.get, fields)])
                values[doc_id] = new
                for (found, odd), value in zip(columns, new, strict=True):
                    if value is _UNINDEXED:
                        odd[doc_id] = None
                        continue
                    holders = found.get(value)
                    if holders is None:
                        found[value] = {doc_id: None}
                    else:
                        holders[doc_id] = None
        finally:
            if paused:
                gc.enable()

    def change(self, doc_id: str, doc: Mapping[str, Any] | None) -> None:
        old = self.values.pop(doc_id, None)
        new = tuple(_key(doc.get(name)) for name in self.fields) if isinstance(doc, Mapping) else None
        if old is not None:
            for n, (name, value) in enumerate(zip(self.fields, old, strict=True)):
                if new is not None and new[n] is value:
                    continue
                if value is _UNINDEXED:
                    self.odd[name].pop(doc_id, None)
                    continue
                holders = self.maps[name].get(value)
                if holders is not None:
                    holders.pop(doc_id, None)
                    if not holders:
                        del self.maps[name][value]
        if new is None:
            return
        self.values[doc_id] = new
        for n, (name, value) in enumerate(zip(self.fields, new, strict=True)):
            if old is not None and old[n] is value:
                continue
            if value is _UNINDEXED:
                self.odd[name][doc_id] = None
            else:
                self.maps[name].setdefault(value, {})[doc_id] = None

    def lookup(self, field: str, value: Any) -> list[str]:
        """The doc_ids holding `value`, in doc_id order (the tables' own order)."""
        return sorted(self.maps[field].get(value, ()), key=int)

    def counts(self, field: str) -> dict[Any, int]:
        return {value: len(ids) for value, ids in self.maps[field].items()}


class Indexes:
    """Every declared index of one store, fed by the journal's single `change` hook."""

    def __init__(self, declared: Mapping[str, tuple[str, ...]]) -> None:
        self.declared = dict(declared)
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
            index = self.fields[table] = FieldIndex(fields, docs)
        return index

    def knowledge_index(self, docs: Mapping[str, Mapping[str, Any]]) -> KnowledgeIndex:
        if self.knowledge is None:
            self.knowledge = KnowledgeIndex()
            for doc_id, doc in docs.items():
                self._put_knowledge(doc_id, doc)
        return self.knowledge

    def _put_knowledge(self, doc_id: str, doc: Mapping[str, Any] | None) -> None:
        assert self.knowledge is not None
        if not isinstance(doc, Mapping):
            self.knowledge.remove(doc_id)
            return
        entry_id = doc.get("id")
        self.knowledge.put(doc_id, entry_id if isinstance(entry_id, str) else "", terms_of_document(doc))


__all__ = ["FieldIndex", "Indexes"]
