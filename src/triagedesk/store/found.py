"""What `db check` finds in each of a store's files, read independently: a snapshot's tables or a journal's records."""

from __future__ import annotations

import os
import stat
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from triagedesk.files import reason
from triagedesk.store.errors import StoreCorrupt
from triagedesk.store.journal_format import (
    META,
    PAGE,
    Damaged,
    JournalHeader,
    Op,
    decode_header,
    decode_record,
    encode_record_spans,
    meta_of,
)
from triagedesk.store.journal_lines import lines
from triagedesk.store.lazy_docs import LazyDocs
from triagedesk.store.snapshot_table import OpenSnapshot
from triagedesk.store.stream import lazy_snapshot
from triagedesk.store.upgrade import decode_json_snapshot

Tables = dict[str, dict[str, dict[str, Any]]]


@dataclass
class SnapshotFound:
    """One snapshot file (the live one or `.prev`) as found."""

    path: Path
    state: str = "ok"            # ok | missing | damaged
    problem: str = ""
    tables: Tables | None = None

    @property
    def generation(self) -> int:
        return int(meta_of(self.tables).get("generation", 0)) if self.tables is not None else 0

    @property
    def counts(self) -> dict[str, int]:
        return {k: len(v) for k, v in (self.tables or {}).items() if k != META}


@dataclass
class JournalFound:
    """One journal file as found: its header, where each intact record lies, and every damaged line. The file was
    read a chunk at a time; its records are read again, from the file kept open, when they are replayed."""

    path: Path
    state: str = "ok"            # ok | missing | damaged
    problem: str = ""
    header: JournalHeader | None = None
    offsets: array[int] = field(default_factory=lambda: array("q"))   # where each intact record starts
    lengths: array[int] = field(default_factory=lambda: array("q"))   # and its length (without the newline)
    damaged_lines: list[int] = field(default_factory=list)
    intact_before_damage: int = 0
    tail: int = 0
    cut_at: int | None = None    # where the file ends inside a record (no interrupted write stops there)
    reader: OpenSnapshot | None = None  # the file, open: the records are read back from it

    @property
    def generation(self) -> int | None:
        return self.header.generation if self.header else None

    @property
    def count(self) -> int:
        """How many intact records the file holds."""
        return len(self.offsets)

    def records(self, start: int = 0) -> Iterator[tuple[int, bytes, list[Op]]]:
        """(offset, line, ops) of every intact record starting at `start` or later, read again from the file (one
        that no longer reads the same is left out)."""
        if self.reader is None:
            return
        at = bisect_left(self.offsets, start)
        for offset, length in zip(self.offsets[at:], self.lengths[at:], strict=True):
            try:
                line = self.reader.read(offset, length)
            except (OSError, StoreCorrupt):
                continue
            ops = decode_record(line)
            if ops is not None:
                yield offset, line, ops


def kind_of(path: Path) -> str:
    """missing, unreadable, dir or file (a symlink is not followed)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return "missing"
    except OSError:
        return "unreadable"
    return "dir" if stat.S_ISDIR(mode) else "file"


def read_snapshot(path: Path) -> SnapshotFound:
    found = SnapshotFound(path)
    kind = kind_of(path)
    if kind == "missing":
        found.state, found.problem = "missing", "missing"
        return found
    if kind == "dir":
        found.state, found.problem = "damaged", "a directory, not a snapshot"
        return found
    try:
        found.tables = lazy_snapshot(path)  # records are parsed as they are walked, never all held at once
        if found.tables is None:
            found.tables = decode_json_snapshot(path.read_bytes())  # the older format, before its upgrade
    except Damaged as exc:
        found.state, found.problem = "damaged", str(exc)
    except OSError as exc:
        found.state, found.problem = "damaged", f"cannot read: {reason(exc)}"
    return found


def read_journal(path: Path, folded: tuple[JournalHeader, int] | None = None) -> JournalFound:
    """The journal at `path`, read a chunk at a time. `folded`: the journal an intact snapshot folded in (its header)
    and how far; when this is that journal, the records it folded are checked by their CRC alone (what a repair
    would never replay from it), every other record is decoded whole, as an open replays it."""
    found = JournalFound(path)
    kind = kind_of(path)
    if kind == "missing":
        found.state, found.problem = "missing", "missing"
        return found
    if kind == "dir":
        found.state, found.problem = "damaged", "a directory, not a journal"
        return found
    try:
        handle = open(path, "rb", buffering=0)  # noqa: SIM115 - kept open by `reader`, closed with it
    except OSError as exc:
        found.state, found.problem = "damaged", f"cannot read: {reason(exc)}"
        return found
    found.reader = OpenSnapshot(handle, name=str(path))
    try:
        _walk(found, handle.read, folded)
    except OSError as exc:
        found.state, found.problem = "damaged", f"cannot read: {reason(exc)}"
        return found
    if found.state == "ok" and (found.damaged_lines or found.cut_at is not None):
        found.state = "damaged"
        parts = []
        if found.damaged_lines:
            after = found.count - found.intact_before_damage
            parts.append(f"records at lines {', '.join(map(str, found.damaged_lines[:10]))} fail their checksum"
                         + (f", {after} intact records after them" if after else ""))
        if found.cut_at is not None:
            parts.append(f"ends inside a record at offset {found.cut_at} (cut short)")
        found.problem = "; ".join(parts)
    return found


def _walk(found: JournalFound, read: Callable[[int], bytes], folded: tuple[JournalHeader, int] | None) -> None:
    """Read the journal's header, then each line after it, noting where every intact record lies."""
    assert found.reader is not None
    walked = lines(read)
    first = next(walked, None)
    head = b""
    if first is not None:  # the header is read from its first 200 bytes: a newline must come before them
        head = first.data[:200] if first.data is not None else os.pread(_fd(found), 200, 0)
        head += b"\n" if first.complete else b""
    try:
        found.header, _ = decode_header(head)
    except Damaged as exc:
        found.state, found.problem = "damaged", str(exc)
    if first is None or not first.complete:
        return  # no newline: no record either (an unfinished header is no record)
    light = folded[1] if folded is not None and found.header is not None and found.header == folded[0] else 0
    for number, line in enumerate(walked, start=2):
        if not line.complete:
            found.tail = line.length
            if (line.offset + line.length) % PAGE:
                found.cut_at = line.offset
            return
        data = line.data
        if line.offset + line.length < light:
            intact = line.stated_crc_ok if data is None else _crc_intact(data)
        else:
            if data is None and line.stated_crc_ok:
                data = found.reader.read(line.offset, line.length)
            intact = data is not None and decode_record(data) is not None
        if not intact:
            found.damaged_lines.append(number)
        else:
            found.offsets.append(line.offset)
            found.lengths.append(line.length)
            if not found.damaged_lines:
                found.intact_before_damage += 1


def _crc_intact(line: bytes) -> bool:
    """A record line whose stated CRC-32 is its body's (what `decode_record` checks before the JSON)."""
    if len(line) < 10 or line[8:9] != b" ":
        return False
    try:
        return int(line[:8], 16) == zlib.crc32(memoryview(line)[9:])
    except ValueError:
        return False


def _fd(found: JournalFound) -> int:
    assert found.reader is not None and found.reader.handle is not None
    return found.reader.handle.fileno()


def replay(tables: Tables, found: JournalFound, start: int = 0) -> int:
    """Apply `found`'s intact records from offset `start` on to `tables`; how many were applied. A document
    written as the store writes it is held as where it lies in the journal (`LazyDocs.spill`), not as itself, so
    replaying a bulk load's journal of gigabytes holds a few ints a record."""
    applied = 0
    assert found.reader is not None or not found.count
    for offset, line, ops in found.records(start):
        written, spans = encode_record_spans(ops)
        same = written[:-1] == line
        view = memoryview(line)
        for (table, doc_id, doc), (at, length) in zip(ops, spans, strict=True):
            target: MutableMapping[str, Any] | None = tables.get(table)
            if target is None:
                target = tables[table] = {} if table == META else LazyDocs()  # type: ignore[assignment]
            if doc is None:
                target.pop(doc_id, None)
                continue
            target[doc_id] = doc
            if same and isinstance(target, LazyDocs) and found.reader is not None:
                target.spill(doc_id, found.reader, offset + at, view[at:at + length])
        applied += 1
    return applied


__all__ = ["JournalFound", "SnapshotFound", "kind_of", "read_journal", "read_snapshot", "replay"]
