"""A table's index from a record's `id` to its doc_id: `Postings` over the records as built (no string or dict
entry a record: 4.5M of each at 1M issues) and a dict of the ids written since, kept in step with every change."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from triagedesk.store.coded_postings import Coded
from triagedesk.store.compact_fields import GONE, field_parts
from triagedesk.store.postings import Postings, nothing


class IdIndex(Mapping[str, str]):
    """record id -> doc_id. Of two records with one id, the one written last (at the build: the later in the
    table's order); a record changed or removed no longer answers for its old id, another holding it still does."""

    def __init__(self, base: Postings | None = None) -> None:
        self.base = base
        self.newer: dict[str, str] = {}
        """id -> doc_id of the records written since the build."""
        self.newer_ids: dict[str, str] | None = None
        """doc_id -> id of those (made on the first change that is not an insert: a bulk load makes none)."""
        self.spare: dict[str, dict[str, None]] = {}
        """id -> the other records written since that hold it too (a hostile store's), in case `newer`'s leaves."""

    @classmethod
    def of(cls, docs: Mapping[str, Any], ordered: bool = True, step: Callable[[], None] = nothing) -> IdIndex:
        """The index of a table's documents (its snapshot's records from the stored `id` column); not `ordered`:
        its lookups search the ids' text until `complete` orders them (a third of the build, ready sooner);
        `step()` between chunks of the build."""
        base, changes = field_parts(docs, "id", strings_only=True, ordered=ordered, step=step)
        assert not isinstance(base, Coded)  # (an `id` index's are found by hash)
        index = cls(base)
        for doc_id, key in changes:
            if key is not GONE and type(key) is str:
                index._hold(key, doc_id)
        return index

    def complete(self, step: Callable[[], None] = nothing) -> None:
        if self.base is not None:
            self.base.complete(step)

    def get(self, key: Any, default: Any = None) -> Any:
        if type(key) is not str:
            return default
        found = self.newer.get(key)
        if found is not None:
            return found
        base = self.base
        if base is not None:
            entry = base.last(key)
            if entry >= 0:
                return str(base.docs[entry])
        return default

    def __getitem__(self, key: str) -> str:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return str(found)

    def __contains__(self, key: object) -> bool:
        return self.get(key) is not None

    def __iter__(self) -> Iterator[str]:
        return (key for key, _ in self.items())

    def __len__(self) -> int:
        return sum(1 for _ in self.items())

    def items(self) -> Iterator[tuple[str, str]]:  # type: ignore[override]
        """(id, doc_id) of every id some record holds: the built records' in the table's order, then the newer."""
        base, newer = self.base, dict(self.newer)
        if base is not None and not newer and base.gone is None and not base.others and not base.has_duplicates():
            yield from zip(base.strings(), map(str, base.docs), strict=True)  # every record as built: at C speed
            return
        if base is not None:
            doubled = base.has_duplicates()
            for n in base.live_entries():
                key = base.value(n)
                if type(key) is not str or key in newer or (doubled and self.get(key) != base.doc_id(n)):
                    continue
                yield key, base.doc_id(n)
        yield from newer.items()

    def noted(self, doc_id: str, key: str | None, fresh: bool) -> None:
        """The record `doc_id` now holds the id `key` (None: none, or removed); `fresh`: its doc_id is above every
        one used before (no entry names it)."""
        if fresh and self.newer_ids is None:
            if key is not None:
                self._hold(key, doc_id)
            return
        if self.newer_ids is None:
            self.newer_ids = {held: k for k, held in self.newer.items()}
            self.newer_ids.update((held, k) for k, spare in self.spare.items() for held in spare)
        if self.base is not None:
            self.base.drop(doc_id)
        old = self.newer_ids.pop(doc_id, None)
        if old is not None:
            self._release(old, doc_id)
        if key is not None:
            self._hold(key, doc_id)
            self.newer_ids[doc_id] = key

    def _hold(self, key: str, doc_id: str) -> None:
        held = self.newer.get(key)
        if held is not None and held != doc_id:
            self.spare.setdefault(key, {})[held] = None
        self.newer[key] = doc_id

    def _release(self, key: str, doc_id: str) -> None:
        spare = self.spare.get(key)
        if spare is not None:
            spare.pop(doc_id, None)
        if self.newer.get(key) == doc_id:
            del self.newer[key]
            while spare:  # another record written since holds it too
                other, _ = spare.popitem()
                if self.newer_ids is not None and self.newer_ids.get(other) == key:
                    self.newer[key] = other
                    break
        if spare is not None and not spare:
            del self.spare[key]


__all__ = ["IdIndex"]
