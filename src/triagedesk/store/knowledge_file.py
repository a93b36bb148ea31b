"""The knowledge base's inverted index beside the snapshot (`PATH.knowledge`), so `kb search` reads the postings
of its words and the few entries it shows, not the stored terms of every entry; a cache, never a record.

    #triagedesk-knowledge 1\\n
    postings      a word -> [its entries' count, then each group holding it: number, word count, entries]
    members       a group (the entries with the same stored terms) -> [entry id, position, doc_id, offset,
                  length, ...], by entry id then position
    groups        each snapshot entry's group (four-byte integers)
    {header}  LLLLLLLLLLLLLLLL XXXXXXXX\\n

Built from the snapshot alone by the first search after a compaction and written once what was read is known
good; the journal's changes since the snapshot are applied on top of each search (a word's count and the total
corrected, an entry written since ranked as it is now). Ranked exactly as `knowledge.rank_stored` ranks.
"""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from triagedesk.domain.insight.knowledge import _score, _terms
from triagedesk.store import buckets
from triagedesk.store.buckets import Buckets, Damaged
from triagedesk.store.lazy_docs import LazyDocs, values_of
from triagedesk.store.snapshot_table import SnapshotTable

MAGIC = b"#triagedesk-knowledge 1\n"
Found = list[tuple[dict[str, Any], float, tuple[str, ...]]]


def path_of(store: Path) -> Path:
    return store.with_name(store.name + ".knowledge")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def encode(name: str, base: SnapshotTable) -> Iterator[bytes]:
    """The file of the snapshot named `name` from its knowledge table, in pieces (the header last)."""
    base.load()
    ids, texts = base.column("id"), [_text(t) for t in base.column("$terms")]
    groups: dict[str, int] = {}
    group_of = array("i")
    members: list[list[Any]] = []
    for position, text in enumerate(texts):
        number = groups.get(text)
        if number is None:
            number = groups[text] = len(members)
            members.append([])
        group_of.append(number)
        entry = ids[position] if isinstance(ids[position], str) else ""
        members[number].append((entry, position))
    del texts
    counts = [len(m) for m in members]
    postings: dict[str, list[int]] = {}
    for text, number in groups.items():
        terms = set(text.encode("latin-1").split())
        for term in terms:
            held = postings.setdefault(term.decode("latin-1"), [0])
            held[0] += counts[number]
            held += (number, len(terms), counts[number])
    offsets, doc_ids = base.offsets, base.doc_ids
    flat = [[v for entry, p in sorted(m) for v in (entry, p, doc_ids[p], offsets[p], offsets[p + 1] - offsets[p] - 1)]
            for m in members]
    yield MAGIC
    at, parts = len(MAGIC), {}
    for part, pieces in (("postings", buckets.encode(buckets.hashed(postings))), ("members", buckets.encode(flat))):
        head, body = pieces
        parts[part] = {"at": at, "count": (len(head) - 8) // 12, "crc": zlib.crc32(head)}
        yield head
        yield body
        at += len(head) + len(body)
    raw = group_of.tobytes()
    parts["groups"] = {"at": at, "count": len(group_of), "crc": zlib.crc32(raw)}
    yield raw
    yield buckets.closing(name, {"count": base.count, "parts": parts})


def open_index(buffer: Any, name: str) -> KnowledgeFile | None:
    try:
        return KnowledgeFile(buffer, name)
    except Damaged:
        return None


class KnowledgeFile:
    """An open knowledge index: postings and members read by bucket, each checked as it is read."""

    def __init__(self, buffer: Any, name: str) -> None:
        found = buckets.header(buffer, MAGIC, name)
        try:
            parts = found["parts"]
            self.count = int(found["count"])
            self.postings = Buckets(buffer, int(parts["postings"]["at"]), int(parts["postings"]["count"]),
                                    int(parts["postings"]["crc"]))
            self.members = Buckets(buffer, int(parts["members"]["at"]), int(parts["members"]["count"]),
                                   int(parts["members"]["crc"]))
            self._groups = (int(parts["groups"]["at"]), int(parts["groups"]["count"]), int(parts["groups"]["crc"]))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise Damaged(f"a damaged header ({exc})") from None
        self.buffer = buffer

    def groups(self) -> array[int]:
        """Each snapshot entry's group."""
        at, count, crc = self._groups
        raw = bytes(self.buffer[at:at + 4 * count])
        if len(raw) != 4 * count or zlib.crc32(raw) != crc or count != self.count:
            raise Damaged("a damaged group list")
        found = array("i")
        found.frombytes(raw)
        return found


def rank(index: KnowledgeFile, docs: LazyDocs, changes: dict[str, Any], query: str, limit: int) -> Found:
    """The best `limit` entries for `query` as `rank_stored` ranks them over the entries as they are now."""
    wanted = _terms(query)
    base = docs.base
    if not wanted or limit <= 0 or base is None:
        return []
    posted = {w: index.postings.get(w.decode("latin-1")) for w in wanted}
    posted = {w: p for w, p in posted.items() if p}
    holders = {w: set(p[1::3]) for w, p in posted.items()}
    frequency = {w: p[0] for w, p in posted.items()}
    total = index.count
    gone: set[int] = set()
    emptied: dict[int, int] = {}  # a group -> how many of its entries were written since the snapshot
    fresh: list[tuple[int, dict[str, Any], frozenset[bytes]]] = []
    if changes:
        group_of = index.groups()
        added = 0
        for doc_id, doc in changes.items():
            position = base.position(doc_id)
            if position >= 0:
                gone.add(position)
                emptied[group_of[position]] = emptied.get(group_of[position], 0) + 1
                total -= 1
                for w, held in holders.items():
                    frequency[w] -= group_of[position] in held
            if doc is None:
                continue
            if position < 0:
                position, added = base.count + added, added + 1
            total += 1
            terms = frozenset(_text(values_of(doc, ("$terms",))[0]).encode("latin-1").split())
            fresh.append((position, doc, terms))
            for w in terms & wanted:
                frequency[w] = frequency.get(w, 0) + 1
    scored: list[tuple[float, Any, frozenset[bytes]]] = []
    sizes: dict[int, int] = {}
    shares: dict[int, set[bytes]] = {}
    for w, p in posted.items():
        for number, size, count in zip(p[1::3], p[2::3], p[3::3], strict=True):
            if count > emptied.get(number, 0):  # a group all of whose entries were written since: none left
                sizes[number] = size
                shares.setdefault(number, set()).add(w)
    scored += [(_score(shares[n], frequency, total, sizes[n]), n, frozenset(shares[n])) for n in shares]
    scored += [(_score(terms & wanted, frequency, total, len(terms)), (position, doc), terms & wanted)
               for position, doc, terms in fresh if terms & wanted]
    scored.sort(key=lambda item: -item[0])
    ranked: list[tuple[float, str, int, Any, frozenset[bytes]]] = []
    taken, cut = 0, 0.0
    for score, which, shared in scored:  # every group scoring as high as the limit-th entry
        if taken >= limit and score < cut:
            break
        if isinstance(which, int):
            flat = index.members.number(which)
            listed = [(score, flat[i], flat[i + 1], flat[i + 2:i + 5], shared) for i in range(0, len(flat) - 4, 5)
                      if flat[i + 1] not in gone]
        else:
            position, doc = which
            entry = doc.get("id") if isinstance(doc, dict) else None
            listed = [(score, entry if isinstance(entry, str) else "", position, doc, shared)]
        ranked += listed
        taken += len(listed)
        cut = score
    ranked.sort(key=lambda r: (-r[0], r[1], r[2]))
    return [(_doc(base, held), score, tuple(sorted(w.decode() for w in shared)))
            for score, _, _, held, shared in ranked[:limit]]


def _doc(base: SnapshotTable, held: Any) -> Any:
    if not isinstance(held, list):
        return held
    _, offset, length = held
    if not base.start <= offset <= offset + length < base.end:
        raise Damaged("an entry out of place")
    data = None
    if base.spans is not None:
        at, read = base._checked(offset, offset + length + 1)
        if read is not None:
            data = read[offset - at:offset - at + length]
    return base.parse(data if data is not None else base.file.read(offset, length))


__all__ = ["KnowledgeFile", "MAGIC", "encode", "path_of", "rank"]
