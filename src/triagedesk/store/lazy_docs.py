"""One table's documents as the store holds them: snapshot records read from the file by offset, changes as JSON.

`LazyDocs` is the mapping (doc_id -> document) TinyDB and the journal see. Nothing is parsed at open: a record
of the snapshot is read (`os.pread`) and parsed when asked for, and a document written since the snapshot is held
as its JSON bytes. Every read returns a fresh dict, so a caller's mutation never reaches the store unless written
back. The columns stored beside the records (the `id` and the indexed fields) let the indexes be built without
parsing a single document.
"""

from __future__ import annotations

import os
import threading
from array import array
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from itertools import compress
from typing import Any, BinaryIO

import orjson

from triagedesk.domain.insight.knowledge import terms_of_document
from triagedesk.store.columns import COMPUTED_TIMES
from triagedesk.store.errors import StoreCorrupt

_MISSING: Any = object()
SPAN = 4 * 1024 * 1024
"""Bulk reads (a whole table walked, a compaction) read the snapshot in spans of about this many bytes."""


def _json(doc: Any) -> bytes:
    """A document's JSON in a bytes object of its own size, to be held: orjson's result keeps the buffer it wrote
    into (about 4 KB for a record of 600 bytes), which made every written document cost ~7x its JSON."""
    return bytes(memoryview(orjson.dumps(doc)))


class SnapshotFile:
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

    def __init__(self, file: SnapshotFile, start: int, end: int, count: int, parts: dict[str, tuple[int, int]],
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


class LazyDocs(MutableMapping[str, Any]):
    """A table: doc_id -> document, parsed on each read (see the module docstring)."""

    def __init__(self, base: SnapshotTable | None = None) -> None:
        self.base = base
        self.changed: dict[str, bytes | None] = {}
        """doc_id -> the document's JSON written since the snapshot, or None: a snapshot record removed."""
        self._removed = 0
        self._added = 0

    @classmethod
    def of(cls, docs: Mapping[str, Any]) -> LazyDocs:
        """A table of these documents (a whole table replaced, an old-format snapshot read)."""
        table = cls()
        table.changed = {key: _json(doc) for key, doc in docs.items()}
        table._added = len(table.changed)
        return table

    def copy(self) -> LazyDocs:
        """Another table with the same documents (the snapshot's shared, what was written since copied)."""
        table = LazyDocs(self.base)
        table.changed = dict(self.changed)
        table._removed, table._added = self._removed, self._added
        return table

    def _in_base(self, key: str) -> bool:
        return self.base is not None and self.base.position(key) >= 0

    def __getitem__(self, key: str) -> Any:
        found = self.changed.get(key, _MISSING)
        if found is None:
            raise KeyError(key)
        if found is not _MISSING:
            return orjson.loads(found)
        if self.base is not None and isinstance(key, str):
            position = self.base.position(key)
            if position >= 0:
                return self.base.parse(self.base.record(position))
        raise KeyError(key)

    def raw(self, key: str) -> bytes | None:
        """The stored JSON of one document, or None."""
        found = self.changed.get(key, _MISSING)
        if found is not _MISSING:
            return found
        if self.base is not None:
            position = self.base.position(key)
            if position >= 0:
                return self.base.record(position)
        return None

    def __setitem__(self, key: str, doc: Any) -> None:
        data = _json(doc)  # raises for a value JSON cannot hold, before anything changes
        previous = self.changed.get(key, _MISSING)
        if self._in_base(key):
            if previous is None:
                self._removed -= 1
        elif previous is _MISSING:
            self._added += 1
        self.changed[key] = data

    def __delitem__(self, key: str) -> None:
        previous = self.changed.get(key, _MISSING)
        if self._in_base(key):
            if previous is None:
                raise KeyError(key)
            self.changed[key] = None
            self._removed += 1
        elif previous is _MISSING:
            raise KeyError(key)
        else:
            del self.changed[key]
            self._added -= 1

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        found = self.changed.get(key, _MISSING)
        if found is not _MISSING:
            return found is not None
        return self._in_base(key)

    def __len__(self) -> int:
        return (self.base.count if self.base is not None else 0) - self._removed + self._added

    def __iter__(self) -> Iterator[str]:
        if self.base is not None:
            changed = self.changed
            for key in self.base.keys():
                if changed.get(key, b"") is not None:
                    yield key
        for key, data in list(self.changed.items()):
            if data is not None and not self._in_base(key):
                yield key

    def raw_items(self) -> Iterator[tuple[str, bytes]]:
        """(doc_id, JSON) of every document, in the table's order, reading the snapshot in spans."""
        for key, data, _ in self.rows(()):
            yield key, data

    def rows(self, fields: tuple[str, ...]) -> Iterator[tuple[str, bytes, tuple[Any, ...]]]:
        """(doc_id, JSON, the values of `fields`) of every document in order; stored columns save parsing."""
        base = self.base.load() if self.base is not None else None
        changed = self.changed
        if base is not None:
            stored = all(f in base.fields for f in fields)
            columns = [base.column(f) for f in fields] if stored else []
            keys, offsets = base.keys(), base.offsets

            def emit(batch: list[int]) -> Iterator[tuple[str, bytes, tuple[Any, ...]]]:
                if not fields:
                    for position, data in base._read_batch(batch):
                        yield keys[position], data, ()
                    return
                for position, data in base._read_batch(batch):
                    values = tuple([c[position] for c in columns]) if stored else _values(data, fields)
                    yield keys[position], data, values

            batch: list[int] = []
            for position, key in enumerate(keys):
                found = changed.get(key, _MISSING) if changed else _MISSING
                if found is _MISSING:
                    if batch and offsets[position] - offsets[batch[0]] > SPAN:
                        yield from emit(batch)
                        batch = []
                    batch.append(position)
                    continue
                if batch:
                    yield from emit(batch)
                    batch = []
                if found is not None:  # a snapshot record rewritten since: in its place in the order
                    yield key, found, _values(found, fields)
            if batch:
                yield from emit(batch)
        for key, data in list(changed.items()):
            if data is not None and (base is None or base.position(key) < 0):
                yield key, data, _values(data, fields)

    def field_rows(self, fields: tuple[str, ...]) -> Iterator[tuple[str, tuple[Any, ...]]]:
        """(doc_id, the values of `fields`) of every document: from the stored columns where they cover it."""
        base = self.base.load() if self.base is not None else None
        if base is None or not all(f in base.fields for f in fields):
            for key, _, values in self.rows(fields):
                yield key, values
            return
        columns = [base.column(f) for f in fields]
        changed = self.changed
        for position, key in enumerate(base.keys()):
            found = changed.get(key, _MISSING)
            if found is _MISSING:
                yield key, tuple([c[position] for c in columns])
            elif found is not None:
                yield key, _values(found, fields)
        for key, data in list(changed.items()):
            if data is not None and base.position(key) < 0:
                yield key, _values(data, fields)

    def field_columns(self, fields: tuple[str, ...]) -> tuple[list[str], list[list[Any]]]:
        """Every doc_id in order, and beside them one list per field of its values (what the indexes build from):
        copied from the stored columns, with only the documents changed since the snapshot parsed."""
        base = self.base.load() if self.base is not None else None
        if base is None or not all(f in base.fields for f in fields):
            keys: list[str] = []
            columns: list[list[Any]] = [[] for _ in fields]
            for key, values in self.field_rows(fields):
                keys.append(key)
                for column, value in zip(columns, values, strict=True):
                    column.append(value)
            return keys, columns
        keys = list(base.keys())
        columns = [base.column(f) for f in fields]
        if not self.changed:
            return keys, columns
        keep = [True] * base.count
        added: list[tuple[str, tuple[Any, ...]]] = []
        for key, data in list(self.changed.items()):
            position = base.position(key)
            if position < 0:
                if data is not None:
                    added.append((key, _values(data, fields)))
            elif data is None:
                keep[position] = False
            else:
                for column, value in zip(columns, _values(data, fields), strict=True):
                    column[position] = value
        if not all(keep):
            keys = list(compress(keys, keep))
            columns = [list(compress(column, keep)) for column in columns]
        for key, values in added:
            keys.append(key)
            for column, value in zip(columns, values, strict=True):
                column.append(value)
        return keys, columns

    def _parse(self, data: bytes) -> Any:
        return self.base.parse(data) if self.base is not None else orjson.loads(data)

    def items(self) -> Iterator[tuple[str, Any]]:  # type: ignore[override]
        return ((key, self._parse(data)) for key, data in self.raw_items())

    def values(self) -> Iterator[Any]:  # type: ignore[override]
        return (self._parse(data) for _, data in self.raw_items())

    def max_id(self) -> int:
        top = max((int(k) for k, v in self.changed.items() if v is not None and k.isdigit()), default=0)
        if self.base is not None:
            top = max(top, self.base.max_id)
        return top

    def clear(self) -> None:
        self.changed = {}
        self._added = 0
        if self.base is not None:
            self.changed = dict.fromkeys((str(d) for d in self.base.load().doc_ids), None)
            self._removed = self.base.count


def _search_terms(doc: dict[str, Any]) -> str:
    """A knowledge entry's search terms as one text (latin-1 keeps their bytes as they are)."""
    return b" ".join(sorted(terms_of_document(doc))).decode("latin-1")


COMPUTED: dict[str, Callable[[dict[str, Any]], Any]] = {"$terms": _search_terms, **COMPUTED_TIMES}
"""Columns computed from a document rather than read from one of its fields (a `$` name is never a field)."""


def values_of(doc: Any, fields: tuple[str, ...]) -> tuple[Any, ...]:
    """The values of `fields` in a document (a computed column's from `COMPUTED`)."""
    if not isinstance(doc, dict):
        return tuple({} for _ in fields)
    return tuple([COMPUTED[f](doc) if f[:1] == "$" else doc.get(f) for f in fields])


def _values(data: bytes, fields: tuple[str, ...]) -> tuple[Any, ...]:
    if not fields:
        return ()
    try:
        return values_of(orjson.loads(data), fields)
    except orjson.JSONDecodeError:
        raise StoreCorrupt("the snapshot: a damaged record; run `triagedesk db check` and `triagedesk db repair`"
                           ) from None


__all__ = ["COMPUTED", "LazyDocs", "SnapshotFile", "SnapshotTable", "SPAN", "values_of"]
