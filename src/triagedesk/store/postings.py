"""An index over a table's records held as flat arrays, not as Python objects a record (issue #24: at 1M issues
the dicts of strings the indexes were cost ~1.7 GB): each entry's doc_id (an int), its value (string values joined
in one text, the rest in a small dict), and the entries in the order of their values' 32-bit hashes, so a value's
entries are found by bisection and each is checked against the value itself (a hash is never trusted alone).

Entries are what the table held when the index was built; a record changed since is marked gone (one byte an
entry, made on the first change) and held by its owner's small overlay instead (`FieldIndex`, `IdIndex`).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import accumulate, chain, compress, islice
from operator import eq, lt
from typing import Any

_MASK = 0xFFFFFFFF
UNINDEXED: Any = object()
"""A value not held under any key (a list or object in a hostile record): kept, never found."""
_BOOLS = {True: ("$bool", True), False: ("$bool", False)}
_SCALARS = (str, int, float, bool)
_HASHED = frozenset({str, int, float, type(None)})


def key_of(value: Any) -> Any:
    """The key a value is indexed under: itself, a bool as a tagged pair (True == 1 would mix them), anything
    not a scalar `UNINDEXED`."""
    if type(value) is bool:
        return _BOOLS[value]
    return value if value is None or isinstance(value, _SCALARS) else UNINDEXED


def _small(top: int) -> str:
    """The narrowest array type code holding 0..top."""
    return "I" if top <= _MASK else "q"


def doc_numbers(keys: Sequence[str]) -> array[int] | None:
    """The doc_ids as ints, or None when one is not a natural number's own text (a hostile or foreign doc_id)."""
    try:
        numbers = array("q", map(int, keys))
    except (ValueError, OverflowError):
        return None
    return numbers if list(map(str, numbers)) == list(keys) and min(numbers, default=0) >= 0 else None


_BUCKET = 24
"""The entries are sorted by hash in 256 buckets (its top 8 bits): one sort of 1M entries held the interpreter
for ~1 s, the UI thread's keys waiting behind it (the warm-up builds on a worker)."""
CHUNK = 1 << 14
"""Entries a build handles between two calls of its `step()` (a few ms of the interpreter at most: a worker's
build lets a key's handling and frame run between its chunks; issue #24)."""


def nothing() -> None:
    """A `step()` that lets nothing pass: a build in one go (a lookup's own, under the lock)."""


def chunked(items: Sequence[Any], step: Callable[[], None]) -> Iterator[Sequence[Any]]:
    """`items` in slices of `CHUNK`, `step()` called after each but the last."""
    for start in range(0, len(items), CHUNK):
        if start:
            step()
        yield items[start:start + CHUNK]


def array_of(code: str, items: Sequence[Any], made: Callable[[Sequence[Any]], Iterable[int]],
             step: Callable[[], None] = nothing) -> array[int]:
    """`array(code, made(items))` built a chunk of `items` at a time (one C call over 1M items held the GIL for
    tens of ms)."""
    out = array(code)
    for part in chunked(items, step):
        out.extend(made(part))
    return out


def hashes_of(values: Sequence[Any], step: Callable[[], None] = nothing) -> list[int]:
    """Each value's 32-bit hash (the order's key), a chunk at a time."""
    hashed: list[int] = []
    for part in chunked(values, step):
        hashed += [hash(v) & _MASK for v in part]
    return hashed


def _overlapping(items: Sequence[Any], step: Callable[[], None]) -> Iterator[Sequence[Any]]:
    """`items` in slices of `CHUNK` + 1, each sharing its last item with the next one's first."""
    for start in range(0, max(len(items) - 1, 1), CHUNK):
        if start:
            step()
        yield items[start:start + CHUNK + 1]


def _running_ends(pieces: Sequence[str], code: str, step: Callable[[], None] = nothing) -> array[int]:
    """Where each piece ends in their joined text (running sums of their lengths), a chunk at a time."""
    ends, total = array(code), 0
    for part in chunked(pieces, step):
        sums = accumulate(map(len, part), initial=total)
        next(sums)
        ends.extend(sums)
        total = ends[-1]
    return ends


def _by_hash(hashed: list[int], step: Callable[[], None] = nothing) -> list[int]:
    """Every entry's number, ordered by its hash, stably (entries of one hash in their own order); `step()`
    between chunks of the work (the order is the same however it is cut)."""
    buckets: list[list[int]] = [[] for _ in range(1 << (32 - _BUCKET))]
    for first in range(0, len(hashed), CHUNK):
        if first:
            step()
        for entry, at in enumerate(hashed[first:first + CHUNK], first):
            buckets[at >> _BUCKET].append(entry)
    order: list[int] = []
    done = 0
    for bucket in buckets:
        order += sorted(bucket, key=hashed.__getitem__)
        if len(order) - done >= CHUNK and len(order) < len(hashed):
            done = len(order)
            step()
    return order


class Entries:
    """Entries, each a doc_id (an int) in `docs`; those whose record changed since are marked gone."""

    __slots__ = ("docs", "gone", "_sorted", "_places")

    def __init__(self, docs: array[int], step: Callable[[], None] = nothing) -> None:
        self.docs = docs
        self.gone: bytearray | None = None
        self._sorted = all(all(map(lt, part, islice(part, 1, None))) for part in _overlapping(docs, step))
        self._places: dict[int, int] | None = None

    def __len__(self) -> int:
        return len(self.docs)

    def doc_id(self, entry: int) -> str:
        return str(self.docs[entry])

    def live(self, entry: int) -> bool:
        return self.gone is None or not self.gone[entry]

    def live_entries(self) -> Iterator[int]:
        gone = self.gone
        if gone is None:
            return iter(range(len(self.docs)))
        return (n for n in range(len(self.docs)) if not gone[n])

    def drop(self, doc_id: str) -> bool:
        """Mark the entry of `doc_id` gone (its record changed or was removed); False when it has no live entry."""
        entry = self.entry_of(doc_id)
        if entry < 0 or not self.live(entry):
            return False
        if self.gone is None:
            self.gone = bytearray(len(self.docs))
        self.gone[entry] = 1
        return True

    def entry_of(self, doc_id: str) -> int:
        if not doc_id.isdigit() or not doc_id.isascii() or len(doc_id) > 18 or (doc_id[0] == "0" and doc_id != "0"):
            return -1  # (not an int's own text: no entry's)
        number = int(doc_id)
        if self._sorted:
            at = bisect_left(self.docs, number)
            return at if at < len(self.docs) and self.docs[at] == number else -1
        if self._places is None:  # doc_ids out of order (rare): a dict, made once, on the first change
            self._places = {d: n for n, d in enumerate(self.docs)}
        return self._places.get(number, -1)


class Postings(Entries):
    """Entries (doc_id, value) found by value; see the module docstring."""

    __slots__ = ("text", "ends", "others", "hashes", "order", "_duplicates")

    def __init__(self, docs: array[int], column: Sequence[Any], strings_only: bool = False,
                 ordered: bool = True, step: Callable[[], None] = nothing) -> None:
        """`docs[i]` holds `column[i]`; `strings_only`: a value not a string is not indexed (the `id` index);
        not `ordered`: the order by hash is left to `complete` (a string is found by searching the text
        meanwhile: `last`); `step()` is called between chunks of the build (the same postings however cut)."""
        if len(docs) != len(column):
            raise ValueError("postings: doc_ids and values differ in length")
        super().__init__(docs, step)
        types: set[type] = set()
        for part in chunked(column, step):
            types.update(map(type, part))
        keys: Sequence[Any] = column if types <= _HASHED else [key_of(v) for v in column]
        pieces = keys if types <= {str} else [v if type(v) is str else "" for v in keys]
        self.text = "".join(["".join(part) for part in chunked(pieces, step)])
        self.ends = _running_ends(pieces, _small(len(self.text)), step)
        self.others: dict[int, Any] = {}
        if types != {str} and keys:
            self.others = {n: (UNINDEXED if strings_only else v) for n, v in enumerate(keys) if type(v) is not str}
        self.order: array[int] | None = None
        self.hashes: array[int] | None = None
        self._duplicates: bool | None = None  # (the entries as built never change: found once)
        if ordered:
            self._order(hashes_of(keys, step), step)

    def complete(self, step: Callable[[], None] = nothing) -> None:
        """Order the entries by hash, if not yet (outside the journal's lock: nothing it reads changes)."""
        if self.hashes is None:
            hashed: list[int] = []
            for lo in range(0, len(self.docs), CHUNK):
                if lo:
                    step()
                hashed += [hash(v) & _MASK for v in self._values(lo, min(lo + CHUNK, len(self.docs)))]
            self._order(hashed, step)

    def _values(self, lo: int, hi: int) -> Iterator[Any]:
        """The values of entries `lo` to `hi` (a value not a string held in `others`: itself)."""
        if self.others:
            return map(self.value, range(lo, hi))
        ends = self.ends
        starts = chain((ends[lo - 1] if lo else 0,), ends[lo:hi - 1])
        return map(self.text.__getitem__, map(slice, starts, ends[lo:hi]))

    def _order(self, hashed: list[int], step: Callable[[], None] = nothing) -> None:
        order = _by_hash(hashed, step)
        if self.others:
            left_out = {n for n, v in self.others.items() if v is UNINDEXED}
            if left_out:
                order = [n for n in order if n not in left_out]
        self.order = array_of(_small(len(hashed)), order, iter, step)
        self.hashes = array_of("I", order, lambda part: map(hashed.__getitem__, part), step)  # last: a reader
        # tests it (`last`)

    def value(self, entry: int) -> Any:
        found = self.others.get(entry, self)
        if found is not self:
            return found
        return self.text[self.ends[entry - 1] if entry else 0:self.ends[entry]]

    def entries(self, key: Any) -> list[int]:
        """The live entries holding `key` (an indexed key: see `key_of`), in entry order."""
        if key is UNINDEXED:
            return []
        self.complete()
        assert self.hashes is not None and self.order is not None
        wanted = hash(key) & _MASK
        lo = bisect_left(self.hashes, wanted)
        hi = bisect_right(self.hashes, wanted, lo)
        if lo == hi:
            return []
        gone, value = self.gone, self.value
        return [n for n in self.order[lo:hi] if (gone is None or not gone[n]) and value(n) == key]  # in order:
        # the entries of one hash were sorted stably

    def last(self, key: str) -> int:
        """The last live entry holding the string `key`, or -1 (`entries` without a list: an `id` lookup)."""
        hashes, order, wanted = self.hashes, self.order, hash(key) & _MASK
        if hashes is None or order is None:
            return self._searched(key)
        at = bisect_left(hashes, wanted)
        found, size = -1, len(hashes)
        text, ends, gone, others = self.text, self.ends, self.gone, self.others
        while at < size and hashes[at] == wanted:
            n = order[at]
            at += 1
            if (gone is None or not gone[n]) and text[ends[n - 1] if n else 0:ends[n]] == key and (
                    not others or n not in others):
                found = n  # entries of one hash lie in their order: the last match is the last entry
        return found

    def _searched(self, key: str) -> int:
        """`last` before the entries are ordered: each place the text holds `key` that is a whole entry."""
        if not key:
            self.complete()
            return self.last(key)
        text, ends, gone, others = self.text, self.ends, self.gone, self.others
        found, at = -1, text.find(key)
        while at >= 0:
            n = bisect_right(ends, at)  # the entry whose text holds place `at` (an empty one holds none)
            if (ends[n - 1] if n else 0) == at and ends[n] == at + len(key) and (gone is None or not gone[n]) and (
                    not others or n not in others):
                found = n  # the text holds the entries in their order: the last match is the last entry
            at = text.find(key, at + 1)
        return found

    def strings(self) -> Iterator[str]:
        """Every entry's value as held in the text (a value not a string: "")."""
        return map(self.text.__getitem__, map(slice, chain((0,), self.ends), self.ends))

    def has_duplicates(self) -> bool:
        """Two entries hold one value (never in a healthy `id` index): only where two hashes are equal."""
        if self._duplicates is None:
            self.complete()
            self._duplicates = self._find_duplicates()
        return self._duplicates

    def _find_duplicates(self) -> bool:
        hashes, order = self.hashes, self.order
        assert hashes is not None and order is not None
        for at in compress(range(1, len(hashes)), map(eq, hashes, islice(hashes, 1, None))):
            if self.value(order[at]) == self.value(order[at - 1]):
                return True
            for before in range(at - 2, -1, -1):  # a run of three or more of one hash
                if hashes[before] != hashes[at]:
                    break
                if self.value(order[before]) == self.value(order[at]):
                    return True
        return False


__all__ = ["Entries", "Postings", "UNINDEXED", "doc_numbers", "key_of"]
