"""The journal's record format: CRC-checked record lines, and the previous-file copy kept for repair."""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

Op = tuple[str, str, "dict[str, Any] | None"]  # (table, doc_id, whole document or None = removed)


def keep_previous(path: Path) -> None:
    """Keep the file about to be replaced as `PATH.prev` (a hard link: no copy), for `db repair`."""
    previous = path.with_name(path.name + ".prev")
    staging = path.with_name(f".{path.name}.prev-{os.getpid()}")
    try:
        if staging.exists():
            staging.unlink()
        os.link(path, staging)
        os.replace(staging, previous)
    except OSError:
        pass  # best effort: a file system without hard links keeps no previous copy


def encode_record(ops: list[Op]) -> bytes:
    body = orjson.dumps(ops)
    return b"%08x " % zlib.crc32(body) + body + b"\n"


def decode_record(line: bytes) -> list[Op] | None:
    """The ops of one journal line, or None when its checksum or JSON is bad."""
    if len(line) < 10 or line[8:9] != b" ":
        return None
    body = line[9:]
    try:
        if int(line[:8], 16) != zlib.crc32(body):
            return None
        ops = orjson.loads(body)
    except ValueError:
        return None
    if not isinstance(ops, list):
        return None
    return ops


@dataclass
class JournalScan:
    """What reading a journal from an offset found."""

    records: list[list[Op]] = field(default_factory=list)
    end: int = 0               # offset just past the last good record
    torn: bool = False         # an unfinished or damaged last line
    corrupt_line: int | None = None  # a damaged line followed by good ones (1-based, from the offset)


def scan(data: bytes, start: int) -> JournalScan:
    """Parse journal bytes `data` (read from offset `start`) into whole, checked records."""
    result = JournalScan(end=start)
    pos = 0
    number = 0
    bad_at: int | None = None
    while pos < len(data):
        newline = data.find(b"\n", pos)
        if newline < 0:
            result.torn = True
            break
        number += 1
        ops = decode_record(data[pos:newline])
        if ops is None:
            if bad_at is None:
                bad_at = number
            pos = newline + 1
            continue
        if bad_at is not None:
            result.corrupt_line = bad_at
            return result
        result.records.append(ops)
        pos = newline + 1
        result.end = start + pos
    if bad_at is not None:
        result.torn = True
    return result
