"""Where a table's records lie in an open snapshot file (format 3), read by offset, with the columns beside them."""

from __future__ import annotations

import os
import threading
import zlib
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import orjson

from triagedesk.store.errors import StoreCorrupt


class OpenSnapshot:
    """An open snapshot file (kept open for its records; closed when nothing refers to it any more)."""

    def __init__(self, handle: BinaryIO | None, data: bytes | None = None, name: str = "") -> None:
        self.handle = handle
        self.data = data
        self.name = name or getattr(handle, "name", "snapshot")

    def read(self, offset: int, length: int) -> bytes:
        if self.data is not None:
            found = self.data[offset:offset + length]
        else:
            assert self.handle is not None
            found = os.pread(self.handle.fileno(), length, offset)
            while len(found) < length:  # a short read: rare on a regular file
                more = os.pread(self.handle.fileno(), length - len(found), offset + len(found))
                if not more:
                    break
                found += more
        if len(found) != length:
            raise StoreCorrupt(f"{self.name}: shorter than its directory says (cut while open?); "
                               "run `triagedesk db check` and `triagedesk db repair`")
        return found


def _in_pieces(data: bytes, cuts: list[int], step: Callable[[], None] = lambda: None) -> list[Any] | None:
    """The JSON list `data` parsed a piece at a time, between the places its writer recorded (`cuts`: where each
    piece after the first starts), `step()` between pieces; None when a cut is not just after a comma. One
    `orjson.loads` over a column of a million values held the GIL for 80-170 ms: a key pressed meanwhile waited for
    all of it (issue #24); a piece of 8,192 values takes about 1 ms."""
    if data[:1] != b"[" or data[-1:] != b"]" or any(data[cut - 1] != 0x2C for cut in cuts):
        return None
    view, found = memoryview(data), []
    for start, end in zip([1, *cuts], [cut - 1 for cut in cuts] + [len(data) - 1], strict=True):
        found += orjson.loads(b"[" + view[start:end] + b"]")
        step()
    return found


def _damaged(name: str, what: str) -> StoreCorrupt:
    return StoreCorrupt(f"{name}: damaged ({what} fails its checksum); run `triagedesk db check` and "
                        "`triagedesk db repair`")


@dataclass
class SpanChecksums:
    """A table's own CRC-32s in the snapshot: each list's (doc_ids, offsets, each column) and each span of its
    records' (the spans start at `starts`, the last ends with the table), so a reader checks what it reads."""

    lists: dict[str, int]
    starts: list[int]
    crcs: list[int]
    checked: bytearray = field(default_factory=bytearray)
    """1 for each span of records already read and found intact."""

    def __post_init__(self) -> None:
        self.checked = bytearray(len(self.starts))


class SnapshotTable:
    """Where one table's records lie in a snapshot file, and the columns stored beside them (loaded on first use)."""

    def __init__(self, file: OpenSnapshot, start: int, end: int, count: int, parts: dict[str, tuple[int, int]],
                 max_id: int, spans: SpanChecksums | None = None, cuts: dict[str, list[int]] | None = None) -> None:
        self.file, self.start, self.end, self.count = file, start, end, count
        self.max_id = max_id
        self.spans = spans
        """The table's own checksums, each checked as its span is first read (None: a snapshot written before
        them, read as it stands until the whole file's checksum is known)."""
        self._parts = parts  # "doc_ids", "offsets" and each stored column: where its JSON list lies
        self._cuts = cuts or {}  # where each list's pieces start (a snapshot written before them: none)
        self.fields = tuple(name for name in parts if name not in ("doc_ids", "offsets"))
        """The fields stored as columns (each read on its first use)."""
        self._lock = threading.Lock()
        self._loaded = False
        self.doc_ids = array("q")
        self.offsets = array("q")
        self._keys: list[str] | None = None
        self._first = 0  # doc_ids are first, first + 1, ...: a record's place is its number - first
        self._slots: array[int] | None = None
        self._by_key: dict[str, int] | None = None

    def _list(self, part: str, step: Callable[[], None] = lambda: None) -> list[Any]:
        data = self.file.read(*self._parts[part])
        if self.spans is not None and zlib.crc32(data) != self.spans.lists.get(part):
            raise _damaged(self.file.name, f"the {part} list of a table")
        cuts = self._cuts.get(part)
        try:
            found = _in_pieces(data, cuts, step) if cuts else orjson.loads(data)
        except orjson.JSONDecodeError:
            found = None
        if not isinstance(found, list) or len(found) != self.count:
            raise StoreCorrupt(f"{self.file.name}: a table's directory does not match its records; "
                               "run `triagedesk db check` and `triagedesk db repair`")
        return found

    def load(self) -> SnapshotTable:
        if self._loaded:
            return self
        with self._lock:
            if not self._loaded:
                self._read_places()
                self._loaded = True
        return self

    def keys(self) -> list[str]:
        """The doc_ids as text, one string each shared by every index built from this table (built once)."""
        found = self._keys
        if found is None:
            found = self._keys = list(map(str, self.load().doc_ids))
        return found

    def column(self, field: str, step: Callable[[], None] = lambda: None) -> list[Any]:
        """The stored column of `field` (one value per record, in order), read from the file each time: what
        an index keeps of it stays, the rest is let go; a KeyError when it is not stored; `step()` between the
        pieces it is parsed in (a build's: never holding a lock)."""
        if field not in self.fields:
            raise KeyError(field)
        return self._list(field, step)

    def _read_places(self) -> None:
        doc_ids, offsets = self._list("doc_ids"), self._list("offsets")
        if self.count and (offsets[0] != self.start or offsets[-1] >= self.end):
            raise StoreCorrupt(f"{self.file.name}: a table's directory does not match its records; "
                               "run `triagedesk db check` and `triagedesk db repair`")
        self.doc_ids = array("q", doc_ids)
        self.offsets = array("q", offsets)
        self.offsets.append(self.end)  # the end of the last record (+ its newline)
        first = self.doc_ids[0] if self.count else 0
        if self.count and self.doc_ids == array("q", range(first, first + self.count)):
            self._first = first
        elif min(self.doc_ids, default=1) >= 0 and max(self.doc_ids, default=0) <= 4 * self.count + 1024:
            slots = array("q", [-1]) * (max(self.doc_ids, default=0) + 1)
            for position, doc_id in enumerate(self.doc_ids):
                slots[doc_id] = position
            self._slots = slots
        else:
            self._by_key = {str(d): n for n, d in enumerate(self.doc_ids)}

    def position(self, key: str) -> int:
        """The record's place in this table, or -1."""
        self.load()
        if self._by_key is not None:
            return self._by_key.get(key, -1)
        if not key.isdigit() or (len(key) > 1 and key[0] == "0") or len(key) > 19 or not key.isascii():
            return -1
        number = int(key)
        if self._slots is None:
            number -= self._first
            return number if 0 <= number < self.count else -1
        return self._slots[number] if number < len(self._slots) else -1

    def parse(self, data: bytes) -> Any:
        """One record of this snapshot, parsed; a damaged one is the store's one-line error, not a traceback."""
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            raise StoreCorrupt(f"{self.file.name}: a damaged record; run `triagedesk db check` and "
                               "`triagedesk db repair`") from None

    def length(self, position: int) -> int:
        return self.offsets[position + 1] - self.offsets[position] - 1

    def record(self, position: int) -> bytes:
        start = self.offsets[position]
        if self.spans is not None:
            base, data = self._checked(start, self.offsets[position + 1])
            if data is not None:
                return data[start - base:start - base + self.length(position)]
        return self.file.read(start, self.length(position))

    def _read_batch(self, batch: list[int]) -> Iterator[tuple[int, bytes]]:
        """(position, record bytes) of consecutive positions, read at once."""
        offsets = self.offsets
        base = offsets[batch[0]]
        stop = offsets[batch[-1] + 1]
        found = self._checked(base, stop) if self.spans is not None else (base, None)
        base, data = found[0], found[1] if found[1] is not None else self.file.read(base, stop - base)
        for position in batch:
            yield position, data[offsets[position] - base:offsets[position + 1] - base - 1]

    def check_spans(self) -> None:
        """Check every span of this table's records not checked yet (a `StoreCorrupt` when one fails): what a
        reader of the whole table waits for before it lets anything out."""
        if self.spans is None or not self.count:
            return
        starts = self.spans.starts
        for n, start in enumerate(starts):
            if not self.spans.checked[n]:
                self._checked(start, starts[n + 1] if n + 1 < len(starts) else self.end)

    def _checked(self, start: int, stop: int) -> tuple[int, bytes | None]:
        """Check the spans of records holding bytes `start` to `stop` (each once): (where the bytes read begin,
        the spans' bytes), or (start, None) when every one was checked before; a `StoreCorrupt` when one fails."""
        spans = self.spans
        assert spans is not None
        first = max(bisect_right(spans.starts, start) - 1, 0)
        last = max(bisect_right(spans.starts, stop - 1) - 1, first)
        if all(spans.checked[first:last + 1]):
            return start, None
        ends = spans.starts[first + 1:last + 2] + ([self.end] if last + 1 >= len(spans.starts) else [])
        base = spans.starts[first]
        data = self.file.read(base, ends[-1] - base)
        view = memoryview(data)
        for n in range(first, last + 1):
            if not spans.checked[n]:
                if zlib.crc32(view[spans.starts[n] - base:ends[n - first] - base]) != spans.crcs[n]:
                    raise _damaged(self.file.name, "a span of records")
                spans.checked[n] = 1
        return base, data


__all__ = ["OpenSnapshot", "SnapshotTable", "SpanChecksums"]
