"""A reader's `get` and lookups answered from the places file (store/places.py), the journal's changes on top:
what `Journal.get` and `Journal.lookup` answer, reading only the records asked for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from triagedesk.store import places
from triagedesk.store.code_digest import code_digest
from triagedesk.store.lazy_docs import LazyDocs
from triagedesk.store.snapshot_table import SnapshotTable

MISS: Any = object()
"""Not answered here: the journal's own way answers."""

SHAPED_BY = code_digest("triagedesk.store.places", "triagedesk.store.placed")
"""The code that places the records: a file from other code is built again."""


class Placed:
    """The places of one journal's snapshot, opened (or built) on first use, again after a compaction."""

    def __init__(self, journal: Any) -> None:
        self.journal = journal
        self.file: places.PlacesFile | None = None
        self._name: str | None = None
        self._changes: dict[str, tuple[int, dict[str, Any]]] = {}

    def _opened(self, rebuild: bool = False) -> places.PlacesFile | None:
        """The file of the snapshot as it is now (the caller holds the journal's mutex)."""
        tables = self.journal.tables
        name = next((named for t in places.FIELDS if isinstance(tables.get(t), LazyDocs)
                     and (named := places.identity(tables[t])) is not None), None)
        if name is None:
            return None
        name = f"{name} {SHAPED_BY}"
        if self.file is not None and self._name == name and not rebuild:
            return self.file
        path = places.path_of(Path(self.journal.path))
        found = None if rebuild else places.open_file(path, name)
        if found is None:
            found = places.built(path, name, tables, self.journal.answerable)
        self.file, self._name = found, name
        return found

    def _changed(self, table: str, docs: LazyDocs) -> dict[str, Any]:
        """doc_id -> the document now (None: removed) of every record of `table` written since the snapshot."""
        held = self._changes.get(table)
        if held is not None and held[0] == self.journal.version:
            return held[1]
        out: dict[str, Any] = {}
        for key, found in list(docs.changed.items()):
            out[key] = None if found is None else docs.parse(docs._data(found))
        self._changes[table] = (self.journal.version, out)
        return out

    def _answer(self, table: str, field: str, value: str, whole: bool) -> Any:
        docs = self.journal.tables.get(table)
        if not isinstance(docs, LazyDocs) or docs.base is None:
            return MISS
        for attempt in (False, True):
            try:
                opened = self._opened(rebuild=attempt)
                if opened is None or not opened.holds(table, field):
                    return MISS
                entries = opened.entries(table, field, value)
                return (_latest if whole else _holding)(docs, docs.base, entries, self._changed(table, docs),
                                                        field, value)
            except places.Damaged:
                continue  # built again from the snapshot, then asked again
        return MISS

    def get(self, table: str, key: str) -> Any:
        """The document whose `id` is `key` (the later of two), None, or `MISS` (the caller holds the mutex)."""
        return self._answer(table, "id", key, True)

    def lookup(self, table: str, field: str, value: str) -> Any:
        """The documents whose `field` is `value` in doc_id order, or `MISS` (the caller holds the mutex)."""
        return self._answer(table, field, value, False)


def _record(base: SnapshotTable, offset: int, length: int) -> Any:
    """One snapshot record, read through the snapshot's own checks (its span's checksum where it has them)."""
    if not base.start <= offset <= offset + length < base.end:
        raise places.Damaged("a record out of place")
    data = None
    if base.spans is not None:
        at, held = base._checked(offset, offset + length + 1)
        if held is not None:
            data = held[offset - at:offset - at + length]
    return base.parse(data if data is not None else base.file.read(offset, length))


def _holding(docs: LazyDocs, base: SnapshotTable, entries: list[tuple[int, int, int, int]],
             changes: dict[str, Any], field: str, value: str) -> list[Any]:
    found = [(doc_id, _record(base, offset, length)) for _, offset, length, doc_id in entries
             if str(doc_id) not in changes]
    found += [(int(key), doc) for key, doc in changes.items()
              if isinstance(doc, dict) and type(doc.get(field)) is str and doc[field] == value]
    found.sort(key=lambda item: item[0])
    return [doc for _, doc in found]


def _latest(docs: LazyDocs, base: SnapshotTable, entries: list[tuple[int, int, int, int]],
            changes: dict[str, Any], field: str, value: str) -> Any:
    """Of the documents whose `field` is `value`, the one the `id` index answers (store/id_index.py): a record
    written since the snapshot before any of the snapshot's (the last in the journal's order of changes), else the
    snapshot's last in the table's order."""
    written = None
    for doc in changes.values():
        if isinstance(doc, dict) and type(doc.get(field)) is str and doc[field] == value:
            written = doc
    if written is not None:
        return written
    best: tuple[int, int, int] | None = None
    for position, offset, length, doc_id in entries:
        if str(doc_id) not in changes and (best is None or position > best[0]):
            best = (position, offset, length)
    return None if best is None else _record(base, best[1], best[2])


__all__ = ["MISS", "Placed"]
