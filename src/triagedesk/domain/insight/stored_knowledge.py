"""`KnowledgeIndex`'s ranking over a knowledge base held as arrays, not as Python objects an entry (820k entries at
1M issues): each entry's key (an int), id (one joined text) and group (entries with the same words); each group's
entries (in id order once a search used it). Entries changed since it was built are marked gone and held by a
`KnowledgeIndex` beside."""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from itertools import accumulate, islice
from operator import lt
from typing import Any

from triagedesk.domain.insight.knowledge import KnowledgeIndex, Ranked, _score, _terms


class StoredKnowledge:
    """The same answers as a `KnowledgeIndex` of the same entries (see the module docstring)."""

    def __init__(self, keys: Sequence[int], ids: Sequence[Any], texts: Sequence[Any]) -> None:
        """`keys[i]` (ascending ints) holds the entry `ids[i]` whose stored words are `texts[i]` (sorted, joined
        by spaces, latin-1: store/lazy_docs.py `$terms`)."""
        self.keys = keys
        pieces = [i if type(i) is str else "" for i in ids]
        self.text = "".join(pieces)
        self.ends = array("q", accumulate(map(len, pieces)))
        by_text: dict[Any, int] = {}
        codes = [by_text.setdefault(t, len(by_text)) for t in texts]
        by_set: dict[frozenset[bytes], int] = {}
        merged = [by_set.setdefault(frozenset(t.encode("latin-1").split()) if isinstance(t, str) else frozenset(),
                                    len(by_set)) for t in by_text]
        if len(by_set) < len(by_text):  # two texts of one set of words (not as the store writes them)
            codes = [merged[c] for c in codes]
        self.codes = array("i", codes)
        self.groups: list[frozenset[bytes]] = list(by_set)
        self.members = self._members()
        self.ordered = bytearray(len(self.members))
        self.live = array("q", map(len, self.members))
        self.frequency: dict[bytes, int] = {}
        self.postings: dict[bytes, list[int]] = {}
        for group, terms in enumerate(self.groups):
            for term in terms:
                self.frequency[term] = self.frequency.get(term, 0) + self.live[group]
                self.postings.setdefault(term, []).append(group)
        self.count = len(pieces)
        self.gone: bytearray | None = None
        self._sorted = all(map(lt, keys, islice(keys, 1, None)))
        self._places: dict[int, int] | None = None
        self.newer = KnowledgeIndex()

    def _members(self) -> list[array[int]]:
        """Each group's entries, in the table's order (ordered by id on first use: `_ordered`)."""
        grouped: list[list[int]] = [[] for _ in self.groups]
        for entry, group in enumerate(self.codes):
            grouped[group].append(entry)
        return [array("i", g) for g in grouped]

    def _ordered(self, group: int) -> array[int]:
        """The group's entries ordered as `KnowledgeIndex` orders a group: by (entry id, key as text); sorted on
        first use, as that index does (one sort of the whole base held the interpreter for a second at 1M)."""
        if not self.ordered[group]:
            self.members[group] = array("i", sorted(self.members[group],
                                                    key=lambda n: (self.entry_id(n), str(self.keys[n]))))
            self.ordered[group] = 1
        return self.members[group]

    def __len__(self) -> int:
        return self.count + len(self.newer)

    def entry_id(self, entry: int) -> str:
        return self.text[self.ends[entry - 1] if entry else 0:self.ends[entry]]

    def put(self, key: str, entry_id: str, terms: Iterable[bytes]) -> None:
        """Index (or re-index) one entry under `key`."""
        self._drop(key)
        self.newer.put(key, entry_id, terms)

    def remove(self, key: str) -> None:
        self._drop(key)
        self.newer.remove(key)

    def _drop(self, key: str) -> None:
        if not key.isdigit() or not key.isascii() or len(key) > 18 or (key[0] == "0" and key != "0"):
            return
        number, keys = int(key), self.keys
        if self._sorted:
            entry = bisect_left(keys, number)
            entry = entry if entry < len(keys) and keys[entry] == number else -1
        else:  # keys out of order (not as a snapshot is written): a dict, made once, on the first change
            if self._places is None:
                self._places = {k: n for n, k in enumerate(keys)}
            entry = self._places.get(number, -1)
        if entry < 0 or (self.gone is not None and self.gone[entry]):
            return
        if self.gone is None:
            self.gone = bytearray(len(keys))
        self.gone[entry] = 1
        group = self.codes[entry]
        self.live[group] -= 1
        self.count -= 1
        for term in self.groups[group]:
            self.frequency[term] -= 1

    def _first(self, terms: frozenset[bytes], group: int | None, limit: int) -> list[tuple[str, str]]:
        """The first `limit` (entry id, key) of the entries holding exactly `terms`, both parts together."""
        found: list[tuple[str, str]] = []
        if group is not None:
            gone = self.gone
            for entry in self._ordered(group):
                if gone is None or not gone[entry]:
                    found.append((self.entry_id(entry), str(self.keys[entry])))
                    if len(found) >= limit:
                        break
        held = self.newer.groups.get(terms)
        if held is not None:
            found = sorted(found + held.first(limit))[:limit]
        return found

    def search(self, query: str, limit: int = 5) -> list[Ranked]:
        """The best `limit` entries for `query`, ranked exactly as `KnowledgeIndex.search` ranks them."""
        newer = self.newer
        wanted = {w for w in _terms(query) if self.frequency.get(w, 0) > 0 or w in newer.postings}
        if not wanted or limit <= 0:
            return []
        total = len(self)
        frequency = {w: self.frequency.get(w, 0) + newer.frequency.get(w, 0) for w in wanted}
        touched: dict[frozenset[bytes], int | None] = {}
        for w in wanted:
            for number in self.postings.get(w, ()):
                if self.live[number]:
                    touched[self.groups[number]] = number
            for terms in newer.postings.get(w, ()):
                touched.setdefault(terms, None)
        scored = []
        for terms, held in touched.items():
            shared = terms & wanted
            scored.append((_score(shared, frequency, total, len(terms)), terms, held, shared))
        scored.sort(key=lambda item: -item[0])
        ranked: list[Ranked] = []
        taken = 0
        cut: float | None = None
        for score, terms, where, shared in scored:
            if cut is not None and score < cut:
                break
            matched = tuple(sorted(w.decode() for w in shared))
            members = self._first(terms, where, limit)
            ranked.extend(Ranked(key, entry_id, score, matched) for entry_id, key in members)
            taken += len(members)
            if taken >= limit and cut is None:
                cut = score  # groups tied with this one may still hold a smaller entry id
        ranked.sort(key=lambda r: (-r.score, r.entry_id))
        return ranked[:limit]


__all__ = ["StoredKnowledge"]
