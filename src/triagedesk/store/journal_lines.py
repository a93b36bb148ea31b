"""A journal file's lines read in chunks, one at a time, never the file whole: what `db check` walks.

A line within one read is handed over as it is; one spanning reads is held only up to `KEEP` bytes, and a longer
one (a damaged file that lost its newlines, a giant commit) is only measured and its checksum computed as it
passes: an intact one is read again from the file when asked.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

CHUNK = 8 * 1024 * 1024
"""Bytes read at a time."""
KEEP = 64 * 1024 * 1024
"""A line longer than this is not held while it is read."""


@dataclass(frozen=True)
class Line:
    """One line of the file: where it starts, its length without the newline, whether the newline ends it."""

    offset: int
    length: int
    complete: bool
    data: bytes | None        # the line, or None when it spans reads and is longer than `KEEP`
    stated_crc_ok: bool | None = None
    """For a line not held: its first 8 bytes, a space, then a body whose CRC-32 they state (a record's shape)."""


class _Long:
    """A line spanning reads: its pieces while it is short enough to hold, else its head and its body's CRC."""

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.pieces: list[bytes] = []
        self.length = 0
        self.head = b""
        self.crc = 0

    def add(self, piece: bytes) -> None:
        self.length += len(piece)
        if self.length <= self.keep:
            self.pieces.append(piece)
            return
        if self.pieces:  # let go of what was held: only the first 9 bytes and the CRC of the rest are kept
            held, self.pieces = b"".join(self.pieces), []
            self.head, self.crc = held[:9], zlib.crc32(memoryview(held)[9:])
        self.pieces = []
        if len(self.head) < 9:
            need = 9 - len(self.head)
            self.head += piece[:need]
            piece = piece[need:]
        self.crc = zlib.crc32(piece, self.crc)

    @property
    def held(self) -> bool:
        return self.length <= self.keep

    def line(self, offset: int, complete: bool) -> Line:
        if self.held:
            return Line(offset, self.length, complete, b"".join(self.pieces))
        shaped = self.head[8:9] == b" "
        try:
            stated = int(self.head[:8], 16) == self.crc
        except ValueError:
            stated = False
        return Line(offset, self.length, complete, None, shaped and stated)


def lines(read: Callable[[int], bytes], chunk_size: int = 0, keep: int = 0) -> Iterator[Line]:
    """Every line of a file read by `read(n)` (b"" at its end), from its first byte; the last without a newline
    (an unfinished write) comes with `complete` False. Memory: one chunk and one held line (`chunk_size` and `keep`:
    `CHUNK` and `KEEP` unless given)."""
    chunk_size, keep = chunk_size or CHUNK, keep or KEEP
    offset = 0
    long: _Long | None = None
    while chunk := read(chunk_size):
        pos, size = 0, len(chunk)
        while pos < size:
            newline = chunk.find(b"\n", pos)
            if newline < 0:
                long = long or _Long(keep)
                long.add(chunk[pos:])
                break
            if long is None:
                yield Line(offset, newline - pos, True, chunk[pos:newline])
                offset += newline - pos + 1
            else:
                long.add(chunk[pos:newline])
                found = long.line(offset, True)
                long = None
                yield found
                offset += found.length + 1
            pos = newline + 1
    if long is not None and long.length:
        yield long.line(offset, False)


__all__ = ["CHUNK", "KEEP", "Line", "lines"]
