"""Where the snapshot's records lie by the values a question looks them up by (`PATH.places`), so a reader's
`get` and lookups read the few records they need, not a column of every record; a cache, never a record.

    #triagedesk-places 1\\n
    per field: ends  crcs  buckets         a value's bucket: JSON {value: [position, offset, length, doc_id, ...]}
    {header}                               the snapshot it was built from; each field's parts and their CRC-32s
    LLLLLLLLLLLLLLLL XXXXXXXX\\n           the header's length and CRC-32

Built from the snapshot alone (`FIELDS`, string values only) by the first reader that asks after a compaction,
and written once what it read is known good; the journal's changes since the snapshot are applied on top of each
answer (a record written since is taken as it is now, wherever it lies). Each bucket is checked against its own
CRC-32 as it is read; a missing, stale or damaged file is built again. The records found are read through the
snapshot's own checks (each span's checksum, or the whole file's: `Journal.answerable`).
"""

from __future__ import annotations

import struct
import sys
import zlib
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from triagedesk.store.buckets import Damaged
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


def _bucket(value: str, count: int) -> int:
    return zlib.crc32(value.encode("utf-8", "surrogatepass")) % count


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
            blobs = _buckets(base, field)
            ends = array("q", [0])
            for blob in blobs:
                ends.append(ends[-1] + len(blob))
            crcs = array("I", [zlib.crc32(blob) for blob in blobs])
            head = ends.tobytes() + crcs.tobytes()
            fields[f"{table}/{field}"] = {"count": len(blobs), "at": at, "head": len(head), "crc": zlib.crc32(head)}
            yield head
            yield b"".join(blobs)
            at += len(head) + int(ends[-1])
    header = orjson.dumps({"snapshot": name, "byteorder": sys.byteorder, "fields": fields})
    yield header + b"%016d %08x\n" % (len(header), zlib.crc32(header))


def _buckets(base: Any, field: str) -> list[bytes]:
    """The field's buckets as JSON: {value: [position, offset, length, doc_id, ...]} for each text value."""
    column = base.column(field)
    count = max(1, len(column) // 8)
    buckets: list[dict[str, list[int]]] = [{} for _ in range(count)]
    offsets, doc_ids = base.offsets, base.doc_ids
    for position, value in enumerate(column):
        if type(value) is str:
            buckets[_bucket(value, count)].setdefault(value, []).extend(
                (position, offsets[position], offsets[position + 1] - offsets[position] - 1, doc_ids[position]))
    del column
    return [orjson.dumps(b) for b in buckets]


class PlacesFile:
    """An open places file: each field's bucket of a value, checked as it is read."""

    def __init__(self, buffer: Any, name: str) -> None:
        self.buffer = buffer
        try:
            if bytes(buffer[:len(MAGIC)]) != MAGIC or len(buffer) < len(MAGIC) + 26:
                raise Damaged("not a places file")
            line = bytes(buffer[len(buffer) - 26:])
            length, crc = int(line[:16]), int(line[17:25], 16)
            header = bytes(buffer[len(buffer) - 26 - length:len(buffer) - 26])
            if len(header) != length or zlib.crc32(header) != crc or line[16:17] != b" " or line[25:] != b"\n":
                raise Damaged("a damaged header")
            found = orjson.loads(header)
            if found["snapshot"] != name or found["byteorder"] != sys.byteorder:
                raise Damaged("built from another snapshot")
            self.start = 0
            self.fields: dict[str, dict[str, int]] = {
                key: {k: int(v) for k, v in place.items()} for key, place in found["fields"].items()}
        except (ValueError, KeyError, TypeError, AttributeError, orjson.JSONDecodeError) as exc:
            raise Damaged(f"a damaged header ({exc})") from None
        self._heads: dict[str, tuple[int, int]] = {}

    def holds(self, table: str, field: str) -> bool:
        return f"{table}/{field}" in self.fields

    def _head(self, key: str) -> tuple[int, int]:
        """(where the field's ends begin, its bucket count), its ends and CRCs checked once."""
        found = self._heads.get(key)
        if found is None:
            place = self.fields[key]
            at, count = self.start + place["at"], place["count"]
            head = self.buffer[at:at + place["head"]]
            if len(head) != place["head"] or place["head"] != 12 * count + 8 or zlib.crc32(head) != place["crc"]:
                raise Damaged("a damaged directory")
            found = self._heads[key] = (at, count)
        return found

    def entries(self, table: str, field: str, value: str) -> list[tuple[int, int, int, int]]:
        """(position, offset, length, doc_id) of every snapshot record whose `field` is `value`, in order."""
        at, count = self._head(f"{table}/{field}")
        n = _bucket(value, count)
        begin, end = struct.unpack_from("=qq", self.buffer, at + 8 * n)
        (crc,) = struct.unpack_from("=I", self.buffer, at + 8 * (count + 1) + 4 * n)
        data = at + 12 * count + 8
        blob = bytes(self.buffer[data + begin:data + end])
        if end < begin or len(blob) != end - begin or zlib.crc32(blob) != crc:
            raise Damaged("a damaged bucket")
        try:
            flat = orjson.loads(blob).get(value, [])
        except (orjson.JSONDecodeError, AttributeError):
            raise Damaged("a damaged bucket") from None
        return [(flat[i], flat[i + 1], flat[i + 2], flat[i + 3]) for i in range(0, len(flat) - 3, 4)]


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
