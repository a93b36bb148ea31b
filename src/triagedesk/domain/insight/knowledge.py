"""Searching past resolutions: word overlap weighted by rarity (a small TF-IDF), best matches first."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from triagedesk.domain.records import KnowledgeEntry
from triagedesk.domain.scoring.keywords import words_of

_STOP = {b"the", b"and", b"for", b"with", b"was", b"are", b"this", b"that", b"from", b"after", b"into",
         b"on", b"in", b"of", b"to", b"a", b"an", b"is", b"it", b"at", b"by", b"or", b"be"}


def _terms(text: str) -> set[bytes]:
    return {w for w in words_of(text.lower()) if w not in _STOP and len(w) > 1}


def _document(entry: KnowledgeEntry) -> str:
    return " ".join([entry.title, entry.problem, entry.resolution, " ".join(entry.tags), entry.category or ""])


@dataclass(frozen=True)
class Hit:
    entry: KnowledgeEntry
    score: float
    matched: tuple[str, ...]


def search(entries: list[KnowledgeEntry], query: str, limit: int = 5) -> list[Hit]:
    """Entries sharing words with the query, scored by the sum of the shared words' rarity."""
    wanted = _terms(query)
    if not wanted or not entries:
        return []
    docs = [_terms(_document(e)) for e in entries]
    frequency = Counter(w for terms in docs for w in terms & wanted)
    total = len(entries)
    hits = []
    for entry, terms in zip(entries, docs, strict=True):
        shared = terms & wanted
        if not shared:
            continue
        score = sum(math.log(1 + total / frequency[w]) for w in shared) / math.sqrt(len(terms) or 1)
        hits.append(Hit(entry, round(score, 4), tuple(sorted(w.decode() for w in shared))))
    hits.sort(key=lambda h: (-h.score, h.entry.id))
    return hits[:limit]
