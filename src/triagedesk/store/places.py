"""Where the snapshot's records lie by the values a question looks them up by (`PATH.places`), so a reader's
`get` and lookups read the few records they need, not a column of every record; a cache, never a record.

    #triagedesk-places 1\\n
    per field: its buckets (store/buckets.py): a value's bucket {value: [position, offset, length, doc_id, ...]}
    {header}  LLLLLLLLLLLLLLLL XXXXXXXX\\n    the snapshot it was built from, each field's place and count

Built from the snapshot alone (`FIELDS`, string values only) by the first reader that asks after a compaction,
and written once what it read is known good; the journal's changes since the snapshot are applied on top of each
answer (a record written since is taken as it is now, wherever it lies). Each bucket is checked against its own
CRC-32 as it is read; a missing, stale or damaged file is built again. The records found are read through the
snapshot's own checks (each span's checksum, or the whole file's: `Journal.answerable`).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from triagedesk.store import buckets
from triagedesk.store.buckets import Buckets, Damaged
from triagedesk.store.lazy_docs import LazyDocs
from triagedesk.store.side_files import build, identity, mapped

MAGIC = b"#triagedesk-places 1\n"
FIELDS: dict[str, tuple[str, ...]] = {
    "issues": ("id",), "experts": ("id",), "requests": ("id", "analysis_id"),
    "sessions": ("issue_id", "request_id"), "outcomes": ("issue_id", "request_id"), "corrections": ("request_id",),
    "outbox": ("request_id",), "audit": ("target_id",), "alerts": ("issue_id",)}
"""What a question about one issue looks records up by (`show`, `package`): ids and references to an issue or a
request, whose values are (nearly) each a few records'."""


def path_of(store: Path) -> Path:
    return store.with_name(store.name + ".places")


def encode(name: str, tables: dict[str, Any]) -> Iterator[bytes]:
    """The file of the snapshot named `name`, from its tables (LazyDocs), each field of `FIELDS` it holds, in
    pieces as each field is done (one field's buckets held at a time; the header is the last piece)."""
    yield MAGIC
    fields: dict[str, Any] = {}
    at = len(MAGIC)
    for table, names in FIELDS.items():
        docs = tables.get(table)
        base = docs.base.load() if isinstance(docs, LazyDocs) and docs.base is not None else None
        if base is None:
            continue
        for field in names:
            if field not in base.fields:
                continue
            head, body = buckets.encode(buckets.hashed(_places(base, field)))
            fields[f"{table}/{field}"] = {"count": (len(head) - 8) // 12, "at": at, "crc": zlib.crc32(head)}
            yield head
            yield body
            at += len(head) + len(body)
    yield buckets.closing(name, {"fields": fields})


def _places(base: Any, field: str) -> dict[str, list[int]]:
    """Each text value of the field: [position, offset, length, doc_id, ...] of the records holding it."""
    found: dict[str, list[int]] = {}
    offsets, doc_ids = base.offsets, base.doc_ids
    for position, value in enumerate(base.column(field)):
        if type(value) is str:
            found.setdefault(value, []).extend(
                (position, offsets[position], offsets[position + 1] - offsets[position] - 1, doc_ids[position]))
    return found


class PlacesFile:
    """An open places file: each field's bucket of a value, checked as it is read."""

    def __init__(self, buffer: Any, name: str) -> None:
        self.buffer = buffer
        found = buckets.header(buffer, MAGIC, name)
        try:
            self.fields: dict[str, dict[str, int]] = {
                key: {k: int(v) for k, v in place.items()} for key, place in found["fields"].items()}
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise Damaged(f"a damaged header ({exc})") from None
        self._opened: dict[str, Buckets] = {}

    def holds(self, table: str, field: str) -> bool:
        return f"{table}/{field}" in self.fields

    def entries(self, table: str, field: str, value: str) -> list[tuple[int, int, int, int]]:
        """(position, offset, length, doc_id) of every snapshot record whose `field` is `value`, in order."""
        key = f"{table}/{field}"
        held = self._opened.get(key)
        if held is None:
            place = self.fields[key]
            held = self._opened[key] = Buckets(self.buffer, place["at"], place["count"], place["crc"])
        flat = held.get(value, [])
        if not isinstance(flat, list) or len(flat) % 4 or not all(type(v) is int for v in flat):
            raise Damaged("a damaged bucket")
        return [(flat[i], flat[i + 1], flat[i + 2], flat[i + 3]) for i in range(0, len(flat), 4)]


def open_file(path: Path, name: str) -> PlacesFile | None:
    """The places file at `path` when it was built from the snapshot `name`; None when missing, stale, damaged."""
    buffer = mapped(path)
    if buffer is None:
        return None
    try:
        return PlacesFile(buffer, name)
    except Damaged:
        return None


def built(path: Path, name: str, tables: dict[str, Any], answerable: Any) -> PlacesFile:
    """The places file of the snapshot, built now: written beside it once `answerable()` says what was read is
    good (a folder that cannot be written: held in memory)."""
    return PlacesFile(build(path, lambda: encode(name, tables), answerable), name)


__all__ = ["Damaged", "FIELDS", "PlacesFile", "built", "encode", "identity", "open_file", "path_of"]
