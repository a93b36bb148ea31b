"""`db check` reports what is wrong with a store's files; `db repair` rebuilds it from every intact part."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import orjson
from filelock import FileLock

from triagedesk.store.errors import StoreCorrupt
from triagedesk.store.journal import APP, JOURNAL_MAGIC, META
from triagedesk.files import atomic_write
from triagedesk.store.journal_format import decode_record

Tables = dict[str, dict[str, dict[str, Any]]]


@dataclass
class FileReport:
    path: Path
    exists: bool
    ok: bool = True
    generation: int | None = None
    records: int = 0
    damaged_lines: list[int] = field(default_factory=list)
    torn_tail: bool = False
    problem: str = ""


@dataclass
class CheckReport:
    """What `db check` found, file by file."""

    path: Path
    snapshot: FileReport
    journal: FileReport
    schema: int | None = None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.snapshot.ok and self.journal.ok and not self.journal.damaged_lines

    def lines(self) -> list[str]:
        out = [f"store {self.path}"]
        s = self.snapshot
        if not s.exists:
            out.append("snapshot: missing")
        elif s.ok:
            out.append(f"snapshot: ok (schema {self.schema}, generation {s.generation}, "
                       + ", ".join(f"{k} {v}" for k, v in self.counts.items()) + ")")
        else:
            out.append(f"snapshot: DAMAGED: {s.problem}")
        j = self.journal
        if not j.exists:
            out.append("journal: missing (nothing since the snapshot)")
        elif not j.ok:
            out.append(f"journal: DAMAGED: {j.problem}")
        else:
            state = f"{j.records} intact records"
            if j.generation != s.generation:
                state += f", generation {j.generation} is older than the snapshot's (already folded in)"
            if j.torn_tail:
                state += ", an unfinished last record from an interrupted write (harmless, cut on the next write)"
            out.append(f"journal: ok ({state})")
        if j.damaged_lines:
            lines = ", ".join(map(str, j.damaged_lines[:10]))
            out.append(f"journal: DAMAGED records at lines {lines}: run `triagedesk db repair`")
        out.append("verdict: ok" if self.ok else "verdict: damaged: `triagedesk db repair` keeps every intact record")
        return out


def _read_snapshot(path: Path) -> tuple[Tables | None, FileReport]:
    report = FileReport(path, path.exists())
    if not report.exists:
        report.ok = False
        report.problem = "missing"
        return None, report
    try:
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        report.ok, report.problem = False, f"not readable JSON ({exc})"
        return None, report
    meta = data.get(META, {}).get("1") if isinstance(data, dict) else None
    if not isinstance(meta, dict) or meta.get("app") != APP or not all(isinstance(t, dict) for t in data.values()):
        report.ok, report.problem = False, "not a triagedesk store (no triagedesk header)"
        return None, report
    report.generation = int(meta.get("generation", 0))
    return data, report


def _read_journal(path: Path) -> tuple[list[list[Any]], FileReport]:
    report = FileReport(path, path.exists())
    if not report.exists:
        return [], report
    data = path.read_bytes()
    newline = data.find(b"\n")
    if newline < 0 or not data.startswith(JOURNAL_MAGIC):
        report.ok, report.problem = False, "no journal header"
        return [], report
    try:
        report.generation = int(data[len(JOURNAL_MAGIC):newline])
    except ValueError:
        report.ok, report.problem = False, "unreadable journal header"
        return [], report
    records: list[list[Any]] = []
    lines = data[newline + 1:].split(b"\n")
    tail = lines.pop()  # after the last newline: empty, or an unfinished record
    if tail:
        report.torn_tail = True
    for number, line in enumerate(lines, start=2):
        ops = decode_record(line)
        if ops is None:
            report.damaged_lines.append(number)
        else:
            records.append(ops)
    if report.damaged_lines and report.damaged_lines[-1] == len(lines) + 1 and len(report.damaged_lines) == 1:
        # only the last line is bad: an interrupted write, not damage
        report.damaged_lines = []
        report.torn_tail = True
    report.records = len(records)
    return records, report


def check(path: Path) -> CheckReport:
    tables, snapshot = _read_snapshot(path)
    _, journal = _read_journal(path.with_name(path.name + ".journal"))
    report = CheckReport(path, snapshot, journal)
    if tables is not None:
        report.schema = int(tables[META]["1"].get("schema", 1))
        report.counts = {name: len(docs) for name, docs in tables.items() if name != META}
    return report


def _apply(tables: Tables, records: list[list[Any]]) -> int:
    applied = 0
    for ops in records:
        for table, doc_id, doc in ops:
            target = tables.setdefault(table, {})
            if doc is None:
                target.pop(doc_id, None)
            else:
                target[doc_id] = doc
        applied += 1
    return applied


def repair(path: Path) -> list[str]:
    """Rebuild the store from the last good snapshot plus every intact journal record.

    Damaged files are kept beside the store (`.damaged-STAMP`), never deleted.
    """
    journal_path = path.with_name(path.name + ".journal")
    with FileLock(str(path.with_name(path.name + ".lock")), thread_local=False):
        tables, snapshot = _read_snapshot(path)
        records, journal = _read_journal(journal_path)
        notes: list[str] = []
        if tables is None:
            prev_tables, prev = _read_snapshot(path.with_name(path.name + ".prev"))
            if prev_tables is None:
                raise StoreCorrupt(f"{path}: snapshot {snapshot.problem or 'missing'} and no earlier snapshot to restore")
            tables = prev_tables
            notes.append(f"restored the previous snapshot (generation {prev.generation})")
            old_records, old = _read_journal(journal_path.with_name(journal_path.name + ".prev"))
            if old.generation == prev.generation:
                notes.append(f"replayed {_apply(tables, old_records)} records of the previous journal")
            generation = prev.generation or 0
        else:
            generation = snapshot.generation or 0
            notes.append(f"kept the snapshot (generation {generation})")
        if journal.ok and journal.generation is not None and journal.generation >= generation:
            notes.append(f"replayed {_apply(tables, records)} intact journal records")
            if journal.damaged_lines:
                notes.append(f"skipped damaged records at lines {', '.join(map(str, journal.damaged_lines))}")
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
        for damaged in (path, journal_path):
            if damaged.exists():
                os.link(damaged, damaged.with_name(f"{damaged.name}.damaged-{stamp}"))
        new_generation = max(generation, journal.generation or 0) + 1
        tables.setdefault(META, {}).setdefault("1", {"app": APP, "schema": 1})["generation"] = new_generation
        atomic_write(path, orjson.dumps(tables))
        atomic_write(journal_path, JOURNAL_MAGIC + str(new_generation).encode() + b"\n")
        notes.append(f"wrote a fresh snapshot (generation {new_generation}); the old files are kept as *.damaged-{stamp}")
        return notes
