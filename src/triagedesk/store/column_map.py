"""One stored field of every record of a table, doc_id -> value, held as arrays (the string values in one text)
with a dict of what was set or removed since: a mapping a long-lived caller keeps instead of a dict of 930k
entries (the queue's request -> issue map at 1M issues)."""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from itertools import accumulate
from typing import Any

from triagedesk.store.compact_fields import GONE, changed_values
from triagedesk.store.lazy_docs import LazyDocs
from triagedesk.store.postings import Entries, doc_numbers

_MISSING: Any = object()
_REMOVED: Any = object()


class ColumnMap(MutableMapping[str, Any]):
    """doc_id -> value: `docs[i]` held `column[i]` when built; `newer` what was set (or removed) since."""

    def __init__(self, docs: array[int], column: Sequence[Any]) -> None:
        if len(docs) != len(column):
            raise ValueError("column map: doc_ids and values differ in length")
        self.entries = Entries(docs)
        pieces = [v if type(v) is str else "" for v in column]
        self.text = "".join(pieces)
        self.ends = array("I" if len(self.text) <= 0xFFFFFFFF else "q", accumulate(map(len, pieces)))
        self.others = {n: v for n, v in enumerate(column) if type(v) is not str}
        self.newer: dict[str, Any] = {}
        self.size = len(docs)

    @classmethod
    def of(cls, docs: Mapping[str, Any], field: str) -> ColumnMap:
        """The values of `field` in a table (its snapshot's from the stored column, those written since parsed)."""
        base = docs.base.load() if isinstance(docs, LazyDocs) and docs.base is not None else None
        if isinstance(docs, LazyDocs) and base is not None and field in base.fields:
            found = cls(base.doc_ids, base.column(field))
            for doc_id, value in changed_values(docs, field):
                if value is GONE:
                    found.pop(doc_id, None)
                else:
                    found[doc_id] = value
            return found
        if isinstance(docs, LazyDocs):
            keys, (column,) = docs.field_columns((field,))
        else:
            held = [(k, d) for k, d in docs.items() if isinstance(d, Mapping)]
            keys, column = [k for k, _ in held], [d.get(field) for _, d in held]
        numbers = doc_numbers(keys)
        if numbers is not None:
            return cls(numbers, column)
        found = cls(array("q"), [])  # a doc_id not an int: all held in the dict
        found.update(zip(keys, column, strict=True))
        return found

    def _built(self, key: str) -> Any:
        """The value `key` held when built, or `_MISSING`."""
        entry = self.entries.entry_of(key) if type(key) is str else -1
        if entry < 0:
            return _MISSING
        other = self.others.get(entry, _MISSING)
        if other is not _MISSING:
            return other
        return self.text[self.ends[entry - 1] if entry else 0:self.ends[entry]]

    def __getitem__(self, key: str) -> Any:
        found = self.newer.get(key, _MISSING)
        if found is _MISSING:
            found = self._built(key)
        if found is _MISSING or found is _REMOVED:
            raise KeyError(key)
        return found

    def __contains__(self, key: object) -> bool:
        found = self.newer.get(key, _MISSING)  # type: ignore[call-overload]
        if found is _MISSING:
            return type(key) is str and self.entries.entry_of(key) >= 0
        return found is not _REMOVED

    def __setitem__(self, key: str, value: Any) -> None:
        if key not in self:
            self.size += 1
        self.newer[key] = value

    def __delitem__(self, key: str) -> None:
        if key not in self:
            raise KeyError(key)
        self.newer[key] = _REMOVED
        self.size -= 1

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator[str]:
        newer = dict(self.newer)
        for doc_id in map(str, self.entries.docs):
            if newer.get(doc_id, None) is not _REMOVED:
                yield doc_id
        for doc_id, value in newer.items():
            if value is not _REMOVED and self._built(doc_id) is _MISSING:
                yield doc_id


__all__ = ["ColumnMap"]
