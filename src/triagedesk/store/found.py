"""What `db check` finds in each of a store's files, read independently: a snapshot's tables or a journal's records."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from triagedesk.files import reason
from triagedesk.store.journal_format import (
    META,
    Damaged,
    JournalHeader,
    Op,
    decode_header,
    decode_record,
    meta_of,
    scan,
)
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
    """One journal file as found: its header, every intact record (with its offset) and every damaged line."""

    path: Path
    state: str = "ok"            # ok | missing | damaged
    problem: str = ""
    header: JournalHeader | None = None
    records: list[tuple[int, list[Op]]] = field(default_factory=list)
    damaged_lines: list[int] = field(default_factory=list)
    intact_before_damage: int = 0
    tail: int = 0
    cut_at: int | None = None    # where the file ends inside a record (no interrupted write stops there)

    @property
    def generation(self) -> int | None:
        return self.header.generation if self.header else None


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


def read_journal(path: Path) -> JournalFound:
    found = JournalFound(path)
    kind = kind_of(path)
    if kind == "missing":
        found.state, found.problem = "missing", "missing"
        return found
    if kind == "dir":
        found.state, found.problem = "damaged", "a directory, not a journal"
        return found
    try:
        data = path.read_bytes()
    except OSError as exc:
        found.state, found.problem = "damaged", f"cannot read: {reason(exc)}"
        return found
    try:
        found.header, start = decode_header(data)
    except Damaged as exc:
        found.state, found.problem = "damaged", str(exc)
        newline = data.find(b"\n")
        start = newline + 1 if newline >= 0 else len(data)
    lines = data[start:].split(b"\n")
    tail = lines.pop()
    offset = start
    for number, line in enumerate(lines, start=2):
        ops = decode_record(line)
        if ops is None:
            found.damaged_lines.append(number)
        else:
            found.records.append((offset, ops))
            if not found.damaged_lines:
                found.intact_before_damage += 1
        offset += len(line) + 1
    if tail:
        found.tail = len(tail)
        if scan(tail, offset).cut:
            found.cut_at = offset
    if found.state == "ok" and (found.damaged_lines or found.cut_at is not None):
        found.state = "damaged"
        parts = []
        if found.damaged_lines:
            after = len(found.records) - found.intact_before_damage
            parts.append(f"records at lines {', '.join(map(str, found.damaged_lines[:10]))} fail their checksum"
                         + (f", {after} intact records after them" if after else ""))
        if found.cut_at is not None:
            parts.append(f"ends inside a record at offset {found.cut_at} (cut short)")
        found.problem = "; ".join(parts)
    return found


__all__ = ["JournalFound", "SnapshotFound", "kind_of", "read_journal", "read_snapshot"]
