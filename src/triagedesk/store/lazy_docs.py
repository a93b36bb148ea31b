"""One table's documents as the store holds them: snapshot records read from the file by offset, changes as JSON.

`LazyDocs` is the mapping (doc_id -> document) TinyDB and the journal see. Nothing is parsed at open: a record
of the snapshot is read (`os.pread`) and parsed when asked for, and a document written since the snapshot is held
as its JSON bytes, or, once a bulk load committed it, as where its JSON lies in the journal (`spill`: an int, the
offset shifted left by 32 bits plus the length), read back when asked for. Every read returns a fresh dict, so a
caller's mutation never reaches the store unless written back. The columns stored beside the records (the `id`
and the indexed fields) let the indexes be built without parsing a single document.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, MutableMapping
from itertools import compress
from typing import Any

import orjson

from triagedesk.domain.insight.knowledge import terms_of_document
from triagedesk.store.columns import COMPUTED_TIMES
from triagedesk.store.errors import StoreCorrupt
from triagedesk.store.snapshot_table import OpenSnapshot, SnapshotTable

_MISSING: Any = object()
SPAN = 4 * 1024 * 1024
"""Bulk reads (a whole table walked, a compaction) read the snapshot in spans of about this many bytes."""
_LENGTH = 32
_MASK = (1 << _LENGTH) - 1


def _json(doc: Any) -> bytes:
    """A document's JSON in a bytes object of its own size, to be held: orjson's result keeps the buffer it wrote
    into (about 4 KB for a record of 600 bytes), which made every written document cost ~7x its JSON."""
    return bytes(memoryview(orjson.dumps(doc)))


class LazyDocs(MutableMapping[str, Any]):
    """A table: doc_id -> document, parsed on each read (see the module docstring)."""

    def __init__(self, base: SnapshotTable | None = None) -> None:
        self.base = base
        self.changed: dict[str, bytes | int | None] = {}
        """doc_id -> the document's JSON written since the snapshot, or where it lies in `journal` (an int, see the
        module docstring), or None: a snapshot record removed."""
        self.journal: OpenSnapshot | None = None
        """The journal file the int entries of `changed` point into (one file: see `spill`)."""
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
        table.journal = self.journal
        table._removed, table._added = self._removed, self._added
        return table

    def _in_base(self, key: str) -> bool:
        return self.base is not None and self.base.position(key) >= 0

    def _data(self, found: bytes | int) -> bytes:
        """A changed document's JSON: held, or read back from the journal it was spilled to."""
        if type(found) is int:
            assert self.journal is not None
            return self.journal.read(found >> _LENGTH, found & _MASK)
        return found  # type: ignore[return-value]

    def spill(self, key: str, journal: OpenSnapshot, at: int, data: memoryview) -> None:
        """The document `key` holds is committed in `journal` at `at` as `data`: hold only where, not its JSON.
        Nothing changes when the held JSON is not `data` (a later write in the same commit); a table holds spans
        into one journal only, so spans into another are read back into memory first."""
        found = self.changed.get(key)
        length = len(data)
        if not isinstance(found, bytes) or len(found) != length or length > _MASK or found != data:
            return
        if self.journal is not journal:
            if self.journal is not None:
                for held, value in list(self.changed.items()):
                    if type(value) is int:
                        self.changed[held] = self._data(value)
            self.journal = journal
        self.changed[key] = at << _LENGTH | length

    def __getitem__(self, key: str) -> Any:
        found = self.changed.get(key, _MISSING)
        if found is None:
            raise KeyError(key)
        if found is not _MISSING:
            return orjson.loads(self._data(found))
        if self.base is not None and isinstance(key, str):
            position = self.base.position(key)
            if position >= 0:
                return self.base.parse(self.base.record(position))
        raise KeyError(key)

    def raw(self, key: str) -> bytes | None:
        """The stored JSON of one document, or None."""
        found = self.changed.get(key, _MISSING)
        if found is not _MISSING:
            return None if found is None else self._data(found)
        if self.base is not None:
            position = self.base.position(key)
            if position >= 0:
                return self.base.record(position)
        return None

    def raw_many(self, keys: list[str]) -> Iterator[tuple[str, bytes | None]]:
        """(key, `raw(key)`) for each of `keys`, in their order: snapshot records lying near each other (keys in
        the table's order) are read at once, up to `SPAN` bytes a read, not one `pread` each."""
        base = self.base.load() if self.base is not None else None
        batch: list[int] = []
        named: list[str] = []

        def flush() -> Iterator[tuple[str, bytes | None]]:
            assert base is not None
            for key, (_, data) in zip(named, base._read_batch(batch), strict=True):
                yield key, data
            batch.clear()
            named.clear()

        for key in keys:
            found = self.changed.get(key, _MISSING)
            position = base.position(key) if base is not None and found is _MISSING else -1
            if position < 0:
                if batch:
                    yield from flush()
                yield key, None if found is None or found is _MISSING else self._data(found)
                continue
            assert base is not None
            if batch and (position <= batch[-1] or base.offsets[position + 1] - base.offsets[batch[0]] > SPAN):
                yield from flush()
            batch.append(position)
            named.append(key)
        if batch:
            yield from flush()

    def parse(self, data: bytes) -> Any:
        """One stored document's JSON, parsed (a damaged one: the store's one-line error)."""
        return self._parse(data)

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
                    data = self._data(found)
                    yield key, data, _values(data, fields)
            if batch:
                yield from emit(batch)
        added = [key for key in list(changed) if base is None or base.position(key) < 0]
        for key, data in self._read_added(added):
            yield key, data, _values(data, fields)

    def _read_added(self, keys: list[str]) -> Iterator[tuple[str, bytes]]:
        """(doc_id, JSON) of these changed documents, in order (removed ones left out); those spilled to the
        journal one after the other are read at once, in spans of up to `SPAN` bytes."""
        changed, run = self.changed, list[tuple[str, int]]()

        def flush() -> Iterator[tuple[str, bytes]]:
            assert self.journal is not None
            first = run[0][1] >> _LENGTH
            last = run[-1][1]
            data = self.journal.read(first, (last >> _LENGTH) + (last & _MASK) - first)
            for key, span in run:
                at = (span >> _LENGTH) - first
                yield key, data[at:at + (span & _MASK)]
            run.clear()

        for key in keys:
            found = changed.get(key)
            if found is None:
                continue
            if type(found) is not int:
                if run:
                    yield from flush()
                yield key, found  # type: ignore[misc]
                continue
            if run:
                start, end = run[0][1] >> _LENGTH, (run[-1][1] >> _LENGTH) + (run[-1][1] & _MASK)
                at = found >> _LENGTH
                if at < end or at + (found & _MASK) - start > SPAN:
                    yield from flush()
            run.append((key, found))
        if run:
            yield from flush()

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
                yield key, _values(self._data(found), fields)
        for key, data in self._read_added([key for key in list(changed) if base.position(key) < 0]):
            yield key, _values(data, fields)

    def field_columns(self, fields: tuple[str, ...], keyed: bool = True) -> tuple[list[str], list[list[Any]]]:
        """Every doc_id in order, and beside them one list per field of its values (what the indexes build from):
        copied from the stored columns, with only the documents changed since the snapshot parsed. `keyed=False`:
        the doc_ids may be left out (an empty list) when nothing changed since the snapshot (its places unread)."""
        if (not keyed and not self.changed and self.base is not None and fields
                and all(f in self.base.fields for f in fields)):
            return [], [self.base.column(f) for f in fields]
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
        for key, found in list(self.changed.items()):
            position = base.position(key)
            if position < 0:
                if found is not None:
                    added.append((key, _values(self._data(found), fields)))
            elif found is None:
                keep[position] = False
            else:
                for column, value in zip(columns, _values(self._data(found), fields), strict=True):
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


__all__ = ["COMPUTED", "LazyDocs", "SPAN", "values_of"]
