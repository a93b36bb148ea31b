"""The issue search's side file (`PATH.search`): its layout, its checksums and its reading; a cache, never a record.

    #triagedesk-search 1\\n
    LLLLLLLLLLLLLLLL XXXXXXXX\\n           the header's length and CRC-32
    {header}                               the snapshot it was built from, the parts' places, their chunks' CRCs
    starts  texts  places  rows            the parts (see `PARTS`)

The header names the snapshot by its last line (the whole file's and its directory's CRC-32 and places) and
size: a file built from another snapshot is stale. Each part is checked in chunks of `CHUNK` bytes as a search
first reads them, so a changed byte is found before anything read from it is shown (`Damaged`).
"""

from __future__ import annotations

import mmap
import os
import sys
import zlib
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from triagedesk.store.side_files import open_regular

MAGIC = b"#triagedesk-search 1\n"
CHUNK = 1 << 20
PARTS = ("starts", "texts", "places", "rows")
"""`texts`: each issue's searched texts, lowered, UTF-8, each ended by a NUL, in the search's order (newest
first); `starts`: where each issue's texts begin (and the end), 8-byte integers; `rows`: each issue's row as
JSON lines in the same order; `places`: where each row begins (and the end)."""


class Damaged(Exception):
    """The side file is not the one its header describes (or not one at all): rebuilt, never trusted."""


def path_of(store: Path) -> Path:
    return store.with_name(store.name + ".search")


def encode(identity: str, texts: list[bytes], rows: list[bytes], scan: bool = False) -> Iterator[bytes]:
    """The file's bytes, in pieces: `texts` and `rows` one per issue, in the search's order (`scan`: none, the
    snapshot's issues cannot be held so and are scanned)."""
    parts: dict[str, list[bytes]] = {"starts": [_ends(texts)], "texts": texts, "places": [_ends(rows)], "rows": rows}
    places: dict[str, list[int]] = {}
    crcs: dict[str, list[int]] = {}
    at = 0
    for name in PARTS:
        length, sums = _chunk_crcs(parts[name])
        places[name], crcs[name] = [at, length], sums
        at += length
    header = orjson.dumps({"snapshot": identity, "count": len(rows), "byteorder": sys.byteorder, "chunk": CHUNK,
                           "parts": places, "crcs": crcs, "scan": scan})
    head = MAGIC + b"%016d %08x\n" % (len(header), zlib.crc32(header)) + header
    yield head
    for name in PARTS:
        yield from parts[name]


def _ends(pieces: list[bytes]) -> bytes:
    ends = array("q", [0])
    at = 0
    for piece in pieces:
        at += len(piece)
        ends.append(at)
    return ends.tobytes()


def _chunk_crcs(pieces: list[bytes]) -> tuple[int, list[int]]:
    """The total length of `pieces` and the CRC-32 of each `CHUNK` bytes of them joined."""
    sums: list[int] = []
    crc, filled, length = 0, 0, 0
    for piece in pieces:
        view = memoryview(piece)
        while view:
            take = view[:CHUNK - filled]
            crc, filled, length = zlib.crc32(take, crc), filled + len(take), length + len(take)
            view = view[len(take):]
            if filled == CHUNK:
                sums.append(crc)
                crc, filled = 0, 0
    if filled:
        sums.append(crc)
    return length, sums


class Part:
    """One part of an open side file, each chunk checked against its CRC-32 the first time it is read."""

    def __init__(self, buffer: Any, at: int, length: int, crcs: list[int]) -> None:
        if len(crcs) != (length + CHUNK - 1) // CHUNK or at + length > len(buffer):
            raise Damaged("a part out of place")
        self.buffer, self.at, self.length, self.crcs = buffer, at, length, crcs
        self.checked = bytearray(len(crcs))

    def check(self, start: int, stop: int) -> None:
        """Check the chunks holding bytes `start` to `stop` of this part (`Damaged` when one fails)."""
        for n in range(start // CHUNK, min((max(stop, start + 1) + CHUNK - 1) // CHUNK, len(self.crcs))):
            if not self.checked[n]:
                begin = self.at + n * CHUNK
                if zlib.crc32(self.buffer[begin:min(begin + CHUNK, self.at + self.length)]) != self.crcs[n]:
                    raise Damaged("a chunk fails its checksum")
                self.checked[n] = 1

    def read(self, start: int, stop: int) -> bytes:
        self.check(start, stop)
        return bytes(self.buffer[self.at + start:self.at + stop])

    def find(self, needle: bytes, start: int) -> int:
        """Where `needle` next lies in this part from `start` (-1: nowhere); what was searched is checked."""
        found = self.buffer.find(needle, self.at + start, self.at + self.length)
        at = found - self.at if found >= 0 else -1
        self.check(start, at + len(needle) if at >= 0 else self.length)
        return at


class SearchFile:
    """An open side file (`open_file`): its issues' texts and rows by their place in the search's order."""

    def __init__(self, buffer: Any, identity: str, handle: Any = None) -> None:
        self.buffer, self.handle = buffer, handle
        try:
            if bytes(buffer[:len(MAGIC)]) != MAGIC:
                raise Damaged("not a search index")
            line = bytes(buffer[len(MAGIC):len(MAGIC) + 26])
            length, crc = int(line[:16]), int(line[17:25], 16)
            start = len(MAGIC) + 26
            header = bytes(buffer[start:start + length])
            if len(header) != length or zlib.crc32(header) != crc or line[16:17] != b" " or line[25:] != b"\n":
                raise Damaged("a damaged header")
            found = orjson.loads(header)
            if found["snapshot"] != identity or found["byteorder"] != sys.byteorder or found["chunk"] != CHUNK:
                raise Damaged("built from another snapshot")
            self.count = int(found["count"])
            self.scan = found["scan"] is True
            """The snapshot's issues are scanned (a text holding a NUL, which separates the texts here)."""
            self.parts = {name: Part(buffer, start + length + int(found["parts"][name][0]),
                                     int(found["parts"][name][1]), [int(c) for c in found["crcs"][name]])
                          for name in PARTS}
        except (ValueError, KeyError, TypeError, IndexError, orjson.JSONDecodeError) as exc:
            raise Damaged(f"a damaged header ({exc})") from None
        self.starts = self._ends("starts")
        self.places = self._ends("places")
        if self.starts[-1] != self.parts["texts"].length or self.places[-1] != self.parts["rows"].length:
            raise Damaged("its places do not match its parts")

    def _ends(self, name: str) -> array[int]:
        part = self.parts[name]
        ends = array("q")
        ends.frombytes(part.read(0, part.length))
        if len(ends) != self.count + 1 or ends[0] != 0:  # its CRCs held: the bytes are those written
            raise Damaged(f"a damaged {name} list")
        return ends

    def texts(self, n: int) -> list[bytes]:
        """The lowered texts of the `n`th issue (one per `issue_search.WHERE`)."""
        found = self.parts["texts"].read(self.starts[n], self.starts[n + 1])
        if not found.endswith(b"\x00"):
            raise Damaged("a damaged text")
        return found[:-1].split(b"\x00")

    def row(self, n: int) -> list[Any]:
        """The `n`th issue's row: [id, title, profile, status, assignee, requester, created_at, position]."""
        try:
            found = orjson.loads(self.parts["rows"].read(self.places[n], self.places[n + 1]))
        except orjson.JSONDecodeError:
            raise Damaged("a damaged row") from None
        if not isinstance(found, list) or len(found) != 8:
            raise Damaged("a damaged row")
        return found

    def close(self) -> None:
        if isinstance(self.buffer, mmap.mmap):
            self.buffer.close()
        if self.handle is not None:
            self.handle.close()


def open_file(path: Path, identity: str) -> SearchFile | None:
    """The side file at `path` if it was built from the snapshot named `identity`; None when it is missing,
    stale or damaged (then built again)."""
    try:
        handle = open_regular(path)  # a named pipe in its place is never waited on
    except OSError:
        return None
    try:
        size = os.fstat(handle.fileno()).st_size
        buffer = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
    except (OSError, ValueError):
        handle.close()
        return None
    try:
        return SearchFile(buffer, identity, handle)
    except Damaged:
        if isinstance(buffer, mmap.mmap):
            buffer.close()
        handle.close()
        return None


__all__ = ["CHUNK", "Damaged", "MAGIC", "SearchFile", "encode", "open_file", "path_of"]
