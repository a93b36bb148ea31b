"""Searching past resolutions: word overlap weighted by rarity (a small TF-IDF), best matches first.

`search` scans a list of entries; `KnowledgeIndex` is the same ranking over an inverted index
(term -> entries holding it, so a term's document frequency is its posting list's length), kept in
step one entry at a time: a search costs what its terms touch, not the whole knowledge base.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from triagedesk.domain.scoring.keywords import words_of

if TYPE_CHECKING:
    from triagedesk.domain.records import KnowledgeEntry

_STOP = {b"the", b"and", b"for", b"with", b"was", b"are", b"this", b"that", b"from", b"after", b"into",
         b"on", b"in", b"of", b"to", b"a", b"an", b"is", b"it", b"at", b"by", b"or", b"be"}


def _terms(text: str) -> set[bytes]:
    return {w for w in words_of(text.lower()) if w not in _STOP and len(w) > 1}


def _text(title: Any, problem: Any, resolution: Any, tags: Any, category: Any) -> str:
    tag_text = " ".join(t for t in tags if isinstance(t, str)) if isinstance(tags, list) else ""
    parts = [title, problem, resolution, tag_text, category or ""]
    return " ".join(p if isinstance(p, str) else "" for p in parts)


def _document(entry: KnowledgeEntry) -> str:
    return _text(entry.title, entry.problem, entry.resolution, entry.tags, entry.category)


def terms_of_document(doc: Mapping[str, Any]) -> set[bytes]:
    """The searchable terms of a stored knowledge entry (the same as of its validated model)."""
    return _terms(_text(doc.get("title"), doc.get("problem"), doc.get("resolution"), doc.get("tags"),
                        doc.get("category")))


def _score(shared: Iterable[bytes], frequency: Mapping[bytes, int], total: int, size: int) -> float:
    """The sum of the shared words' rarity over the root of the entry's word count (rarest word first, so
    the scan and the index add the same floats in the same order)."""
    return round(sum(math.log(1 + total / frequency[w]) for w in sorted(shared)) / math.sqrt(size or 1), 4)


@dataclass(frozen=True)
class Hit:
    entry: KnowledgeEntry
    score: float
    matched: tuple[str, ...]


def search(entries: list[KnowledgeEntry], query: str, limit: int = 5) -> list[Hit]:
    """Entries sharing words with the query, scored by the sum of the shared words' rarity (a scan)."""
    wanted = _terms(query)
    if not wanted or not entries:
        return []
    docs = [_terms(_document(e)) for e in entries]
    frequency: dict[bytes, int] = {}
    for terms in docs:
        for w in terms & wanted:
            frequency[w] = frequency.get(w, 0) + 1
    total = len(entries)
    hits = []
    for entry, terms in zip(entries, docs, strict=True):
        shared = terms & wanted
        if not shared:
            continue
        hits.append(Hit(entry, _score(shared, frequency, total, len(terms)), tuple(sorted(w.decode() for w in shared))))
    hits.sort(key=lambda h: (-h.score, h.entry.id))
    return hits[:limit]


@dataclass(frozen=True)
class Ranked:
    """A hit of the index: the entry's key in the index, its id, score and matched words."""

    key: str
    entry_id: str
    score: float
    matched: tuple[str, ...]


class _Group:
    """Entries with exactly the same terms (so the same score for any query)."""

    __slots__ = ("terms", "members", "_ordered")

    def __init__(self, terms: frozenset[bytes]) -> None:
        self.terms = terms
        self.members: dict[str, str] = {}  # key -> entry id
        self._ordered: list[tuple[str, str]] | None = None

    def first(self, limit: int) -> list[tuple[str, str]]:
        """The group's first `limit` (entry id, key) pairs in entry-id order."""
        if self._ordered is None:
            self._ordered = sorted((entry_id, key) for key, entry_id in self.members.items())
        return self._ordered[:limit]

    def changed(self) -> None:
        self._ordered = None


class KnowledgeIndex:
    """An inverted index of the knowledge base: term -> the groups of entries holding it, with each term's
    document frequency. Entries with the same words share a group, so templated resolutions cost one posting."""

    def __init__(self) -> None:
        self.groups: dict[frozenset[bytes], _Group] = {}
        self.postings: dict[bytes, set[frozenset[bytes]]] = {}
        self.frequency: dict[bytes, int] = {}
        self.of: dict[str, frozenset[bytes]] = {}

    def __len__(self) -> int:
        return len(self.of)

    def put(self, key: str, entry_id: str, terms: Iterable[bytes]) -> None:
        """Index (or re-index) one entry under `key`."""
        self.remove(key)
        frozen = frozenset(terms)
        group = self.groups.get(frozen)
        if group is None:
            group = self.groups[frozen] = _Group(frozen)
            for term in frozen:
                self.postings.setdefault(term, set()).add(frozen)
        group.members[key] = entry_id
        group.changed()
        frozen = self.of[key] = group.terms  # the group's own set: entries with the same words share one
        frequency = self.frequency
        for term in frozen:
            frequency[term] = frequency.get(term, 0) + 1

    def remove(self, key: str) -> None:
        frozen = self.of.pop(key, None)
        if frozen is None:
            return
        group = self.groups[frozen]
        del group.members[key]
        group.changed()
        for term in frozen:
            left = self.frequency[term] - 1
            if left:
                self.frequency[term] = left
            else:
                del self.frequency[term]
        if not group.members:
            del self.groups[frozen]
            for term in frozen:
                holders = self.postings[term]
                holders.discard(frozen)
                if not holders:
                    del self.postings[term]

    def search(self, query: str, limit: int = 5) -> list[Ranked]:
        """The best `limit` entries for `query`, ranked exactly as `search` ranks them."""
        total = len(self.of)
        wanted = {w for w in _terms(query) if w in self.postings}
        if not wanted or limit <= 0:
            return []
        touched: set[frozenset[bytes]] = set()
        for w in wanted:
            touched.update(self.postings[w])
        frequency = self.frequency
        scored = []
        for terms in touched:
            shared = terms & wanted
            scored.append((_score(shared, frequency, total, len(terms)), terms, shared))
        scored.sort(key=lambda item: -item[0])
        ranked: list[Ranked] = []
        taken = 0
        cut: float | None = None
        for score, terms, shared in scored:
            if cut is not None and score < cut:
                break
            matched = tuple(sorted(w.decode() for w in shared))
            members = self.groups[terms].first(limit)
            ranked.extend(Ranked(key, entry_id, score, matched) for entry_id, key in members)
            taken += len(members)
            if taken >= limit and cut is None:
                cut = score  # groups tied with this one may still hold a smaller entry id
        ranked.sort(key=lambda r: (-r.score, r.entry_id))
        return ranked[:limit]


def rank_stored(ids: Sequence[Any], stored_terms: Sequence[Any], query: str, limit: int = 5) -> list[Ranked]:
    """The best `limit` entries for `query`, ranked exactly as `search` and `KnowledgeIndex.search` rank them,
    straight from each entry's stored terms (`ids[i]` and its terms joined by spaces, as the store keeps them):
    one question answered without building the index. Entries with the same terms are scored once, only the
    terms that may hold a query word are split, and only the best scores' entries are listed. A `Ranked.key`
    is the entry's position."""
    wanted = _terms(query)
    if not wanted or limit <= 0:
        return []
    needles = [w.decode("latin-1") for w in wanted]
    texts = [t if isinstance(t, str) else "" for t in stored_terms]
    frequency: dict[bytes, int] = {}
    found: dict[str, tuple[frozenset[bytes], frozenset[bytes]]] = {}
    for text, count in Counter(texts).items():
        if not any(n in text for n in needles):
            continue
        terms = frozenset(text.encode("latin-1").split())
        shared = terms & wanted
        if shared:
            for w in shared:
                frequency[w] = frequency.get(w, 0) + count
            found[text] = (terms, shared)
    total = len(texts)
    scores = {text: _score(shared, frequency, total, len(terms)) for text, (terms, shared) in found.items()}
    holding = Counter(t for t in texts if t in scores)
    best: set[str] = set()
    taken, cut = 0, 0.0
    for text in sorted(scores, key=lambda t: -scores[t]):  # every text scoring as high as the limit-th entry
        if taken >= limit and scores[text] < cut:
            break
        best.add(text)
        taken += holding[text]
        cut = scores[text]
    ranked = [Ranked(str(p), ids[p] if isinstance(ids[p], str) else "", scores[t],
                     tuple(sorted(w.decode() for w in found[t][1])))
              for p, t in enumerate(texts) if t in best]
    ranked.sort(key=lambda r: (-r.score, r.entry_id))
    return ranked[:limit]


__all__ = ["Hit", "KnowledgeIndex", "Ranked", "rank_stored", "search", "terms_of_document"]
