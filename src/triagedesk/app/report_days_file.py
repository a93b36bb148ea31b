"""The report's day book on disk (`PATH.report-days`, beside the snapshot): a cache, never a record.

A first line gives the header's length and CRC-32; the header names the snapshot the book was counted from
(generation, salt, each counted table's place and column checksums) and the profiles it was counted with, and where
each day's two blobs lie with their CRC-32: the day's sums (read for a whole day of a period) and its rows (read for
a period's end days and for days the journal changed). Anything that does not match, does not parse or fails its
checksum is a `BookUnusable`: the report is counted from the store instead and the book written again.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from triagedesk.files import atomic_write
from triagedesk.store.side_files import open_regular

MAGIC = b"#triagedesk-report-days 1 "
HEADER_DIGITS = 12
HEAD = len(MAGIC) + HEADER_DIGITS + 10
"""The first line: MAGIC, the header's length (12 digits), a space, its CRC-32 (8 hex digits), a newline."""


class BookUnusable(Exception):
    """The day book cannot be used as it is (missing, damaged, stale, another store's): count from the store."""


def book_path(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + ".report-days")


@dataclass
class BookFile:
    """An open day book: its header, and each day's blobs read on demand (checked against their CRC-32s)."""

    path: Path
    header: dict[str, Any]
    data_start: int
    handle: BinaryIO
    """The book as it was opened (one replaced meanwhile is not mixed in); closed with the book."""

    def blob(self, day: int, which: int) -> Any:
        """Day `day`'s sums (`which` 0) or rows (1), parsed; None when the book holds no record of that day."""
        place = self.header["days"].get(str(day))
        if place is None:
            return None
        offset, length, crc = place[3 * which:3 * which + 3]
        try:
            data = os.pread(self.handle.fileno(), length, self.data_start + offset)
        except OSError as exc:
            raise BookUnusable(f"{self.path}: {exc.strerror or exc}") from None
        if len(data) != length or zlib.crc32(data) != crc:
            raise BookUnusable(f"{self.path}: day {day} fails its checksum")
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            raise BookUnusable(f"{self.path}: day {day} does not parse") from None


def open_book(path: Path, expected: dict[str, Any]) -> BookFile:
    """The book at `path` when it was counted from exactly `expected` (identity and profiles), else BookUnusable."""
    try:
        handle = open_regular(path)  # a named pipe in its place is never waited on
    except OSError as exc:
        raise BookUnusable(f"{path}: {exc.strerror or exc}") from None
    try:
        return _read_header(path, handle, expected)
    except BookUnusable:
        handle.close()
        raise


def _read_header(path: Path, handle: BinaryIO, expected: dict[str, Any]) -> BookFile:
    """The book's header, checked against its checksum and `expected`."""
    try:
        head = handle.read(HEAD)
        if len(head) != HEAD or not head.startswith(MAGIC) or head[-1:] != b"\n":
            raise BookUnusable(f"{path}: not a report day book")
        digits, crc = head[len(MAGIC):-1].split(b" ", 1) if b" " in head[len(MAGIC):] else (b"", b"")
        if not digits.isdigit() or len(crc) != 8:
            raise BookUnusable(f"{path}: a damaged header")
        length = int(digits)
        raw = handle.read(length)
    except OSError as exc:
        raise BookUnusable(f"{path}: {exc.strerror or exc}") from None
    if len(raw) != length or b"%08x" % zlib.crc32(raw) != crc:
        raise BookUnusable(f"{path}: a damaged header (cut short, or fails its checksum)")
    try:
        header = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise BookUnusable(f"{path}: a damaged header") from None
    if not isinstance(header, dict) or header.get("key") != expected:
        raise BookUnusable(f"{path}: counted from another snapshot or other profiles")
    days = header.get("days")
    if not isinstance(days, dict) or not all(
            isinstance(place, list) and len(place) == 6 and all(type(x) is int and x >= 0 for x in place)
            for place in days.values()):
        raise BookUnusable(f"{path}: a damaged directory")
    return BookFile(path, header, len(head) + length, handle)


def write_book(path: Path, key: dict[str, Any], days: dict[int, tuple[bytes, bytes]]) -> None:
    """Write the book: `key` (what it was counted from) and each day's (sums, rows) as JSON; a failure leaves no
    book (an unwritable folder only means the next report counts again)."""
    blobs: list[bytes] = []
    places: dict[str, list[int]] = {}
    at = 0
    for day in sorted(days):
        place: list[int] = []
        for data in days[day]:
            blobs.append(data)
            place += [at, len(data), zlib.crc32(data)]
            at += len(data)
        places[str(day)] = place
    header = orjson.dumps({"key": key, "days": places})
    head = MAGIC + str(len(header)).zfill(HEADER_DIGITS).encode() + b" %08x\n" % zlib.crc32(header)
    atomic_write(path, [head, header, *blobs])


def write_carried(path: Path, key: dict[str, Any], old: BookFile, counted: set[int],
                  days: dict[int, tuple[bytes, bytes]]) -> None:
    """Write the book of `key` holding `days` (the days `counted` again, those of them that hold anything) and
    every other day of the `old` book as it is there (copied, each blob checked against its CRC-32 first: a
    damaged one leaves no book). The bytes `write_book` would write for the same days."""
    kept = {int(day): place for day, place in old.header["days"].items() if int(day) not in counted}
    places: dict[str, list[int]] = {}
    at = 0
    for day in sorted(kept.keys() | days.keys()):
        if day in days:
            place: list[int] = []
            for data in days[day]:
                place += [at, len(data), zlib.crc32(data)]
                at += len(data)
        else:
            place = [at, kept[day][1], kept[day][2], at + kept[day][1], kept[day][4], kept[day][5]]
            at += kept[day][1] + kept[day][4]
        places[str(day)] = place
    header = orjson.dumps({"key": key, "days": places})
    head = MAGIC + str(len(header)).zfill(HEADER_DIGITS).encode() + b" %08x\n" % zlib.crc32(header)

    def pieces() -> Iterator[bytes]:
        yield head
        yield header
        for day in sorted(kept.keys() | days.keys()):
            if day in days:
                yield from days[day]
                continue
            for offset, length, crc in (kept[day][:3], kept[day][3:]):
                try:
                    data = os.pread(old.handle.fileno(), length, old.data_start + offset)
                except OSError as exc:
                    raise BookUnusable(f"{old.path}: {exc.strerror or exc}") from None
                if len(data) != length or zlib.crc32(data) != crc:
                    raise BookUnusable(f"{old.path}: day {day} fails its checksum")
                yield data

    try:
        atomic_write(path, pieces())
    except (OSError, BookUnusable):
        pass  # a cache: the next report counts the book whole


__all__ = ["BookFile", "BookUnusable", "book_path", "open_book", "write_book", "write_carried"]
