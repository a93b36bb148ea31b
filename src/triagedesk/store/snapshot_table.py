"""Where a table's records lie in an open snapshot file (format 3), read by offset, with the columns beside them."""

from __future__ import annotations

import os
import threading
from array import array
from collections.abc import Iterator
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


class SnapshotTable:
    """Where one table's records lie in a snapshot file, and the columns stored beside them (loaded on first use)."""

    def __init__(self, file: OpenSnapshot, start: int, end: int, count: int, parts: dict[str, tuple[int, int]],
                 max_id: int) -> None:
        self.file, self.start, self.end, self.count = file, start, end, count
        self.max_id = max_id
        self._parts = parts  # "doc_ids", "offsets" and each stored column: where its JSON list lies
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

    def _list(self, part: str) -> list[Any]:
        try:
            found = orjson.loads(self.file.read(*self._parts[part]))
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

    def column(self, field: str) -> list[Any]:
        """The stored column of `field` (one value per record, in order), read from the file each time: what
        an index keeps of it stays, the rest is let go; a KeyError when it is not stored."""
        if field not in self.fields:
            raise KeyError(field)
        return self._list(field)

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
        return self.file.read(self.offsets[position], self.length(position))

    def _read_batch(self, batch: list[int]) -> Iterator[tuple[int, bytes]]:
        """(position, record bytes) of consecutive positions, read at once."""
        offsets = self.offsets
        base = offsets[batch[0]]
        data = self.file.read(base, offsets[batch[-1] + 1] - base)
        for position in batch:
            yield position, data[offsets[position] - base:offsets[position + 1] - base - 1]


__all__ = ["OpenSnapshot", "SnapshotTable"]
