"""The snapshot file (format 3): one record per line by table, each table's columns, a directory, a checksummed end.

    #triagedesk-snapshot v3\\n
    {record}\\n {record}\\n ...                      every table's documents, in the table's order
    {"doc_ids": [...], "offsets": [...], "columns": {"id": [...], field: [...]}}\\n     per table
    {"meta": {...}, "tables": {name: {"start", "end", "count", "columns": [at, length], "fields"}}}\\n
    #directory AAAAAAAAAAAAAAAA LLLLLLLLLLLLLLLL crc=XXXXXXXX\\n

The CRC-32 covers every byte before it, so any changed byte is found by reading the file once (a fraction of a
second at 300 MB) without parsing it; the records are then read on demand (store/lazy_docs.py). The columns hold
each record's `id` and its kind's indexed fields (store/kinds.py), so the indexes load without parsing documents.
A snapshot of the older format (plain TinyDB JSON) is rewritten once, on open, by store/upgrade.py.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO

import orjson

from triagedesk.store.journal_format import APP, META, SYNC_STATE, Damaged, is_doc_id
from triagedesk.store.kinds import STORED
from triagedesk.store.lazy_docs import LazyDocs, values_of
from triagedesk.store.snapshot_table import OpenSnapshot, SnapshotTable, SpanChecksums

KNOWLEDGE = "knowledge"
MAGIC = b"#triagedesk-snapshot v3\n"
_HEX = re.compile(rb"[0-9a-f]{8}")
_END = b"#directory "
END_LENGTH = len(_END) + 16 + 1 + 16 + len(b" dcrc=") + 8 + len(b" crc=") + 8 + 1
CHUNK = 1024 * 1024
_SCALARS = (str, int, float, bool, type(None))

Tables = dict[str, Any]


def columns_of(table: str) -> tuple[str, ...]:
    """The fields stored as columns beside a table's records: `id` and `_updated_at` (what sync compares), the
    kind's indexed fields, for the knowledge base each entry's search terms (its inverted index is then built
    without parsing an entry), and for the sync states their record's key and time."""
    if table == SYNC_STATE:
        return ("id", "key", "updated_at")
    return (("id", "_updated_at") + tuple(f for f in STORED.get(table, ()) if f not in ("id", "_updated_at"))
            + (("$terms",) if table == KNOWLEDGE else ()))


def _cell(value: Any) -> Any:
    return value if isinstance(value, _SCALARS) else {}  # a list or object is indexed under no key: any {} says so


def snapshot_chunks(tables: Mapping[str, Mapping[str, Any]]) -> Iterator[bytes]:
    """The bytes of a snapshot of `tables` (`_meta` plus tables of documents), in chunks of about 1 MiB."""
    crc = zlib.crc32(MAGIC)
    position = len(MAGIC)
    yield MAGIC
    meta = {key: {k: v for k, v in doc.items() if k != "crc"} for key, doc in tables.get(META, {}).items()}
    directory: dict[str, Any] = {"meta": meta, "tables": {}}
    for name, docs in tables.items():
        if name == META:
            continue
        fields = columns_of(name)
        doc_ids: list[int] = []
        offsets: list[int] = []
        cells: list[list[Any]] = [[] for _ in fields]
        lists = [doc_ids, offsets, *cells]
        written: list[list[bytes]] = [[] for _ in lists]  # each list's JSON so far, in pieces (see _pieces)
        start = position
        parts: list[bytes] = []
        size = 0
        count, max_id = 0, 0
        blocks: list[list[int]] = []  # each span of records yielded: its offset and its own CRC-32
        for key, data, values in _rows(docs, fields):
            if not is_doc_id(key):
                raise ValueError(f"table {name!r}: document id {key[:30]!r} is not a number the snapshot can hold")
            number = int(key)
            doc_ids.append(number)
            count, max_id = count + 1, max(max_id, number)
            offsets.append(position + size)
            for column, value in zip(cells, values, strict=True):
                column.append(_cell(value))
            if len(doc_ids) == _PIECE:
                _pieces(lists, written)
            parts.append(data)
            parts.append(b"\n")
            size += len(data) + 1
            if size >= CHUNK:
                chunk = b"".join(parts)
                blocks.append([position, zlib.crc32(chunk)])
                crc, position = zlib.crc32(chunk, crc), position + len(chunk)
                yield chunk
                parts, size = [], 0
        if parts:
            chunk = b"".join(parts)
            blocks.append([position, zlib.crc32(chunk)])
            crc, position = zlib.crc32(chunk, crc), position + len(chunk)
            yield chunk
        end = position
        places: dict[str, list[Any]] = {}
        _pieces(lists, written)
        for part, pieces in zip(("doc_ids", "offsets", *fields), written, strict=True):
            blob = b"[" + b",".join(pieces) + b"]\n"  # what orjson.dumps(the whole list) gives, byte for byte
            cuts = _cuts(pieces)
            pieces.clear()
            places[part] = [position, len(blob) - 1, zlib.crc32(memoryview(blob)[:-1]), *([cuts] if cuts else [])]
            crc, position = zlib.crc32(blob, crc), position + len(blob)
            yield blob
        directory["tables"][name] = {"start": start, "end": end, "count": count, "max_id": max_id,
                                     "parts": places, "blocks": blocks}
    blob = orjson.dumps(directory) + b"\n"
    at = position
    crc = zlib.crc32(blob, crc)
    text = _END + b"%016d %016d dcrc=%08x crc=" % (at, len(blob) - 1, zlib.crc32(blob[:-1]))
    crc = zlib.crc32(text, crc)
    yield blob + text + b"%08x\n" % crc


_PIECE = 8192
"""A table's columns are held as JSON in pieces of this many values, not as a Python object per value (a table
of a million requests has twenty million cells: ~1 GB as objects, a third of it as JSON)."""


def _pieces(lists: list[list[Any]], written: list[list[bytes]]) -> None:
    """Move what `lists` hold into `written` as JSON (a list's items without its brackets), and empty them."""
    for values, pieces in zip(lists, written, strict=True):
        if values:
            pieces.append(orjson.dumps(values)[1:-1])
            values.clear()


def _cuts(pieces: list[bytes]) -> list[int]:
    """Where each piece after the first starts in its list's JSON (`[` piece `,` piece ... `]`): a reader parses
    the list a piece at a time (store/snapshot_table.py), never one C call over a million values."""
    cuts, at = [], 1
    for piece in pieces[:-1]:
        at += len(piece) + 1
        cuts.append(at)
    return cuts


def _rows(docs: Mapping[str, Any], fields: tuple[str, ...]) -> Iterator[tuple[str, bytes, tuple[Any, ...]]]:
    if isinstance(docs, LazyDocs):
        yield from docs.rows(fields)
        return
    for key, doc in docs.items():
        yield key, orjson.dumps(doc), values_of(doc, fields)


def encode_snapshot(tables: Mapping[str, Mapping[str, Any]]) -> bytes:
    return b"".join(snapshot_chunks(tables))


def is_current(head: bytes) -> bool:
    return head.startswith(MAGIC)


def open_snapshot(handle: BinaryIO, size: int, verify: bool = True) -> Tables:
    """The tables of an open snapshot file, read lazily (the file stays open for them).

    `verify` reads the whole file once for its checksum first; without it only the directory's own checksum
    is checked (see `verify_snapshot`, which the store runs on a thread). Raises `Damaged` when not intact.
    """
    file = OpenSnapshot(handle)
    return _open(file, size, verify)


def _end_of(file: OpenSnapshot, size: int) -> tuple[bytes, int, int, int, int]:
    """The last line: (its bytes, the directory's offset and length, the directory's CRC, the file's CRC)."""
    if size < len(MAGIC) + END_LENGTH:
        raise Damaged("cut short (no directory at its end)")
    end = file.read(size - END_LENGTH, END_LENGTH)
    if not end.startswith(_END) or not end.endswith(b"\n") or end[44:50] != b" dcrc=" or end[58:63] != b" crc=":
        raise Damaged("cut short or damaged (no directory at its end)")
    if not (end[11:27].isdigit() and end[28:44].isdigit() and _HEX.fullmatch(end[50:58])
            and _HEX.fullmatch(end[63:71])):
        raise Damaged("damaged directory pointer")  # digits and lower-case hex only: any changed byte shows
    return end, int(end[11:27]), int(end[28:44]), int(end[50:58], 16), int(end[63:71], 16)


def verify_snapshot(handle: BinaryIO, size: int) -> None:
    """Read the whole file once for its CRC-32; raises `Damaged` when any byte changed."""
    _verify(OpenSnapshot(handle), size)


def _open(file: OpenSnapshot, size: int, verify: bool) -> Tables:
    end, at, length, directory_crc, _ = _end_of(file, size)
    if verify:
        _verify(file, size)
    if at + length + 1 != size - END_LENGTH or at < len(MAGIC):
        raise Damaged("damaged directory pointer")
    raw_directory = file.read(at, length)
    if zlib.crc32(raw_directory) != directory_crc:
        raise Damaged("directory checksum mismatch")
    try:
        directory = orjson.loads(raw_directory)
    except orjson.JSONDecodeError as exc:
        raise Damaged(f"damaged directory ({exc})") from None
    meta = directory.get("meta") if isinstance(directory, dict) else None
    listed = directory.get("tables") if isinstance(directory, dict) else None
    if (not isinstance(meta, dict) or not isinstance(meta.get("1"), dict) or meta["1"].get("app") != APP
            or not all(isinstance(d, dict) for d in meta.values()) or not isinstance(listed, dict)):
        raise Damaged("not a triagedesk store (no triagedesk header)")
    tables: Tables = {META: meta}
    for name, entry in listed.items():
        try:
            start, stop_at, count = int(entry["start"]), int(entry["end"]), int(entry["count"])
            max_id = int(entry["max_id"])
            parts = {str(part): (int(place[0]), int(place[1])) for part, place in entry["parts"].items()}
            cuts = {str(part): _cuts_of(place) for part, place in entry["parts"].items() if len(place) > 3}
            spans = _spans(entry, start, stop_at)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            raise Damaged(f"damaged directory entry for table {name!r}") from None
        if (not len(MAGIC) <= start <= stop_at <= at or count < 0 or "doc_ids" not in parts or "offsets" not in parts
                or not all(stop_at <= place <= place + length < at for place, length in parts.values())):
            raise Damaged(f"damaged directory entry for table {name!r}")
        tables[name] = LazyDocs(SnapshotTable(file, start, stop_at, count, parts, max_id, spans, cuts))
    return tables


def _cuts_of(place: list[Any]) -> list[int]:
    """A list's cuts (`_cuts`), each inside it and each after the one before; a `ValueError` when not."""
    cuts = [int(cut) for cut in place[3]]
    if any(not 1 < cut < int(place[1]) for cut in cuts) or cuts != sorted(set(cuts)):
        raise ValueError("cuts out of place")
    return cuts


def _spans(entry: dict[str, Any], start: int, end: int) -> SpanChecksums | None:
    """The table's own checksums (each list's, each span of records'), or None for a snapshot written before
    them (its reader then waits for the whole file's); a `ValueError` when they do not fit the table."""
    if "blocks" not in entry:
        return None
    places = entry["parts"]
    lists = {str(part): int(place[2]) for part, place in places.items()}
    blocks = [(int(offset), int(crc)) for offset, crc in entry["blocks"]]
    offsets = [offset for offset, _ in blocks]
    if (offsets != sorted(set(offsets)) or (blocks and (offsets[0] != start or offsets[-1] >= end))
            or (not blocks and start != end)):
        raise ValueError("spans out of place")
    return SpanChecksums(lists, offsets, [crc for _, crc in blocks])


def _verify(file: OpenSnapshot, size: int) -> None:
    end, _, _, _, stored = _end_of(file, size)
    crc, position, stop = 0, 0, size - END_LENGTH
    while position < stop:
        chunk = file.read(position, min(4 * CHUNK, stop - position))
        crc, position = zlib.crc32(chunk, crc), position + len(chunk)
    if zlib.crc32(end[:63], crc) != stored:
        raise Damaged("snapshot checksum mismatch")


def decode_snapshot(raw: bytes) -> dict[str, dict[str, Any]]:
    """Every document of format-3 snapshot bytes as plain dicts; raises `Damaged` when damaged."""
    if not is_current(raw):
        raise Damaged("not a snapshot of format 3")
    tables = _open(OpenSnapshot(None, raw, "snapshot"), len(raw), verify=True)
    out: dict[str, dict[str, Any]] = {META: tables.pop(META)}
    try:
        for name, docs in tables.items():
            out[name] = {key: orjson.loads(data) for key, data in docs.raw_items()}
    except Damaged:
        raise
    except Exception as exc:  # a directory that does not match its records (the checksum held: a writer's bug)
        raise Damaged(f"damaged records ({exc})") from None
    if not all(isinstance(d, dict) for t in out.values() for d in t.values()):
        raise Damaged("not a triagedesk store (a table is not an object of documents)")
    return out


__all__ = ["MAGIC", "columns_of", "decode_snapshot", "encode_snapshot", "is_current", "open_snapshot",
           "snapshot_chunks", "verify_snapshot"]
