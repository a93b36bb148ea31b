"""`db check` says exactly what is damaged and what is recoverable; `db repair` rebuilds from every intact part.

The four files (snapshot, journal and their `.prev` copies) are read independently; `plan` chains the
newest intact snapshot with every intact journal record of its generation and later ones, which is what
`repair` writes and what `check` reports as recoverable. See docs/storage.md.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from triagedesk.files import atomic_write, reason
from triagedesk.store import scan_split, validity
from triagedesk.store.errors import StoreError, StoreLocked
from triagedesk.store.found import JournalFound, SnapshotFound, kind_of, read_journal, read_snapshot, replay
from triagedesk.store.journal import LOCK_TIMEOUT, keep_previous
from triagedesk.store.journal_format import (
    META,
    JournalHeader,
    expected_journal,
    folded_journal,
    meta_of,
)
from triagedesk.store.lazy_docs import LazyDocs
from triagedesk.store.snapshot_file import snapshot_chunks

Tables = dict[str, dict[str, dict[str, Any]]]


@dataclass
class Plan:
    """What `repair` would rebuild: a base snapshot plus journal records, and what it cannot recover."""

    tables: Tables
    base: str
    replayed: dict[str, int] = field(default_factory=dict)    # journal file name -> records applied
    skipped: list[str] = field(default_factory=list)          # what is not applied, and why
    generation: int = 0                                       # the highest generation any file names


def plan(snapshot: SnapshotFound, journal: JournalFound, prev: SnapshotFound, prev_journal: JournalFound) -> Plan:
    """The newest state every intact file holds together: never older than a write an intact file holds."""
    snapshots = [s for s in (snapshot, prev) if s.tables is not None]
    base = max(snapshots, key=lambda s: s.generation, default=None)
    if base is not None:
        tables: Tables = orjson_copy(base.tables or {})
        result = Plan(tables, f"{base.path.name} (generation {base.generation})")
        base_generation = base.generation
    else:
        from triagedesk.store.migrations import CURRENT_SCHEMA

        result = Plan({META: {"1": {"app": "triagedesk", "schema": CURRENT_SCHEMA, "generation": 0}}},
                      "an empty store (no intact snapshot)")
        base_generation = 0
        oldest = min((j.generation for j in (journal, prev_journal) if j.generation is not None), default=1)
        if oldest > 1:
            result.skipped.append(f"no intact snapshot: what was folded in before journal generation {oldest}")
    expected = expected_journal(result.tables)
    folded = folded_journal(result.tables)

    def effective(found: JournalFound, live: bool) -> int:
        if found.header is not None:
            return found.header.generation
        # a damaged header: the file is where the protocol put it, so its generation follows from that
        if live:
            return snapshot.generation if snapshot.tables is not None else (prev.generation + 1 if prev.tables else 1)
        return prev.generation if prev.tables is not None else max(base_generation, 1)

    journals = [(effective(prev_journal, False), 0, prev_journal), (effective(journal, True), 1, journal)]
    for generation, _, found in sorted(journals, key=lambda item: (item[0], item[1])):
        if not found.count:
            continue
        start = 0
        if folded is not None and found.header == folded[0]:
            start = folded[1]  # folded in up to there
        elif generation < base_generation:
            result.skipped.append(f"{found.path.name}: generation {generation}, already in the snapshot")
            continue
        elif (generation == base_generation and expected is not None and found.header is not None
              and found.header != expected):
            result.skipped.append(f"{found.path.name}: generation {generation} salt {found.header.salt}, "
                                  f"not the journal the snapshot expects (salt {expected.salt}): not applied")
            continue
        applied = replay(result.tables, found, start)
        if applied:
            result.replayed[found.path.name] = applied
        if found.damaged_lines:
            result.skipped.append(f"{found.path.name}: damaged lines {', '.join(map(str, found.damaged_lines[:10]))}"
                                  " cannot be read")
    later = any(j.generation is not None and j.generation > base_generation for j in (journal, prev_journal))
    if base is not None and expected is not None and later and expected not in (journal.header, prev_journal.header):
        result.skipped.append(f"journal generation {expected.generation} (salt {expected.salt}), the one "
                              f"{base.path.name} expects after it, is gone: what it held is not in that snapshot")
    known = [s.generation for s in snapshots] + [j.generation or 0 for j in (journal, prev_journal)]
    result.generation = max(known, default=0)
    return result


def orjson_copy(tables: Tables) -> Tables:
    """A copy to replay journals onto (a lazily read table shares its snapshot's records)."""
    return {name: docs.copy() if isinstance(docs, LazyDocs) else {doc_id: dict(doc) for doc_id, doc in docs.items()}
            for name, docs in tables.items()}


@dataclass
class CheckReport:
    """What `db check` found, file by file, and what `repair` would recover."""

    path: Path
    snapshot: SnapshotFound
    journal: JournalFound
    prev: SnapshotFound
    prev_journal: JournalFound
    store_problem: str = ""       # snapshot and journal intact but not belonging together
    note: str = ""
    recoverable: Plan | None = None
    invalid: list[validity.Invalid] = field(default_factory=list)  # records the models cannot load

    @property
    def ok(self) -> bool:
        return (self.snapshot.state == "ok" and self.journal.state == "ok" and not self.store_problem
                and not self.invalid)

    @property
    def schema(self) -> int | None:
        tables = self.snapshot.tables
        return None if tables is None else int(meta_of(tables).get("schema", 1))

    @property
    def counts(self) -> dict[str, int]:
        return self.snapshot.counts

    def damaged_files(self) -> list[Path]:
        return [f.path for f in (self.snapshot, self.journal, self.prev, self.prev_journal) if f.state == "damaged"]

    def lines(self) -> list[str]:
        out = [f"store {self.path}"]
        s = self.snapshot
        if s.state == "ok":
            out.append(f"snapshot: ok (schema {self.schema}, generation {s.generation}"
                       + "".join(f", {k} {v}" for k, v in s.counts.items()) + ")")
        else:
            out.append(f"snapshot: {s.state.upper()}: {s.problem}")
        j = self.journal
        if j.state == "ok":
            state = f"generation {j.generation}, {j.count} intact records"
            if j.tail:
                state += (f", an unfinished last record of {j.tail} bytes where a killed write stops "
                          "(never acknowledged; cut on the next write)")
            out.append(f"journal: ok ({state})")
        elif j.state == "missing":
            out.append("journal: MISSING" + (f": the snapshot expects generation {s.generation}"
                                             if s.tables is not None else ""))
        else:
            out.append(f"journal: DAMAGED: {j.problem}" + (f" ({j.count} intact records)"
                                                           if "records" not in j.problem else ""))
        for old, name in ((self.prev, "snapshot.prev"), (self.prev_journal, "journal.prev")):
            if old.state == "damaged":
                out.append(f"{name}: DAMAGED: {old.problem} (an older copy kept for repair)")
            elif old.state == "ok":
                out.append(f"{name}: ok (generation {old.generation})")
        if self.store_problem:
            out.append(f"store: DAMAGED: {self.store_problem}")
        if self.note:
            out.append(f"note: {self.note}")
        for bad in self.invalid[:20]:
            out.append(f"record: INVALID {bad.line()}: `triagedesk db repair` moves it to the rejected list")
        if len(self.invalid) > 20:
            out.append(f"record: {len(self.invalid) - 20} more invalid records")
        if not self.ok and self.recoverable is not None:
            plan_ = self.recoverable
            replayed = "".join(f" + {n} records of {name}" for name, n in plan_.replayed.items())
            counts = ", ".join(f"{k} {len(v)}" for k, v in plan_.tables.items() if k != META)
            out.append(f"recoverable: {plan_.base}{replayed} -> {counts or 'nothing'}")
            out.extend(f"not recoverable: {why}" for why in plan_.skipped)
        if self.ok:
            out.append("verdict: ok")
        else:
            out.append("verdict: damaged: writes are refused until `triagedesk db repair` "
                       "(it keeps every intact record and sets the damaged files aside)")
        return out

    def as_json(self) -> dict[str, Any]:
        files = {}
        for found in (self.snapshot, self.journal, self.prev, self.prev_journal):
            entry: dict[str, Any] = {"state": found.state, "problem": found.problem}
            if isinstance(found, JournalFound):
                entry.update(generation=found.generation, records=found.count,
                             damaged_lines=found.damaged_lines, tail=found.tail, cut_at=found.cut_at)
            else:
                entry.update(generation=found.generation if found.tables is not None else None)
            files[found.path.name] = entry
        recoverable = None
        if self.recoverable is not None and not self.ok:
            recoverable = {"base": self.recoverable.base, "replayed": self.recoverable.replayed,
                           "counts": {k: len(v) for k, v in self.recoverable.tables.items() if k != META},
                           "not_recoverable": self.recoverable.skipped}
        return {"ok": self.ok, "lines": self.lines(), "counts": self.counts, "schema": self.schema,
                "files": files, "store_problem": self.store_problem, "recoverable": recoverable}


def _sibling(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def check(path: Path, locked: bool = False) -> CheckReport:
    """Read every file of the store and say what is wrong.

    Under the lock (waited for up to 10 s), so a write in progress is not mistaken for a cut journal;
    a store whose lock stays taken is read anyway, and says so.
    """
    if locked or not (path.exists() or _sibling(path, ".journal").exists()):
        return _check(path)
    lock = FileLock(str(_sibling(path, ".lock")), thread_local=False, timeout=10)
    try:
        lock.acquire()
    except (Timeout, OSError):
        report = _check(path)
        report.note = (report.note + "; " if report.note else "") + "read without the lock (another process holds it)"
        return report
    try:
        return _check(path)
    finally:
        lock.release()


def _check(path: Path) -> CheckReport:
    snapshot, prev = read_snapshot(path), read_snapshot(_sibling(path, ".prev"))
    base = max((s for s in (snapshot, prev) if s.tables is not None), key=lambda s: s.generation, default=None)
    folded = folded_journal(base.tables) if base is not None and base.tables is not None else None
    journal = read_journal(_sibling(path, ".journal"), folded)  # what `plan` would not replay: its CRC alone
    prev_journal = read_journal(_sibling(path, ".journal.prev"), folded)
    report = CheckReport(path, snapshot, journal, prev, prev_journal)
    if snapshot.tables is not None:
        expected = expected_journal(snapshot.tables)
        folded = folded_journal(snapshot.tables)
        generation = snapshot.generation
        if journal.state == "missing" and expected is not None:
            report.store_problem = (f"{journal.path.name} is missing, but the snapshot expects journal generation "
                                    f"{generation}: records written since the snapshot may be lost")
        elif journal.header is not None and journal.header != expected and not (
                expected is None and journal.header.generation == generation):
            if folded is not None and journal.header == folded[0]:
                if journal.count and journal.offsets[-1] >= folded[1]:
                    report.store_problem = "the journal holds records after the compaction that folded it in"
                else:
                    report.note = ("a compaction was interrupted between its two renames: the journal is "
                                   "already folded in; the next write finishes it")
            elif expected is None and journal.header.generation < generation:
                report.note = "the journal is older than the snapshot (already folded in)"
            elif journal.header.generation > generation:
                report.store_problem = (f"the snapshot (generation {generation}) is older than the journal "
                                        f"(generation {journal.header.generation}): an older copy was put back")
            else:
                report.store_problem = (f"the journal (generation {journal.header.generation}, salt "
                                        f"{journal.header.salt or '-'}) is not the one the snapshot expects "
                                        f"(generation {generation}, salt {expected.salt if expected else '-'}): "
                                        "replaced")
    report.recoverable = plan(snapshot, journal, prev, prev_journal)
    if report.recoverable is not None:
        report.invalid = scan_split.scan(report.recoverable.tables)  # on two cores
    return report


def _set_aside(found: Path, stamp: str) -> Path | None:
    """Keep a damaged file beside the store under a name no other repair uses; None if it is gone."""
    if kind_of(found) == "missing":
        return None
    for number in range(1, 10_000):
        target = found.with_name(f"{found.name}.damaged-{stamp}" + (f"-{number}" if number > 1 else ""))
        if kind_of(target) != "missing":
            continue
        try:
            os.rename(found, target) if kind_of(found) == "dir" else os.link(found, target)
            return target
        except FileExistsError:
            continue
    raise StoreError(f"{found}: cannot set the damaged file aside")


def repair(path: Path) -> list[str]:
    """Rebuild the store from the newest intact snapshot plus every intact journal record.

    Idempotent: a store `check` calls ok is left as it is. Damaged files are set aside as
    `NAME.damaged-STAMP[-N]`, never deleted.
    """
    lock = FileLock(str(_sibling(path, ".lock")), thread_local=False, timeout=LOCK_TIMEOUT)
    try:
        lock.acquire()
    except Timeout:
        raise StoreLocked(f"{path}.lock: another process holds the store's lock") from None
    except OSError as exc:
        raise StoreError(f"{path}.lock: cannot lock the store: {reason(exc)}") from None
    try:
        report = check(path, locked=True)
        if report.ok:
            return ["nothing to repair: the snapshot and the journal are intact"]
        rebuilt = report.recoverable
        assert rebuilt is not None
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        notes = [f"rebuilt from {rebuilt.base}"]
        notes += [f"replayed {n} intact records of {name}" for name, n in rebuilt.replayed.items()]
        notes += [f"not recoverable: {why}" for why in rebuilt.skipped]
        set_aside = []
        for found in report.damaged_files() + ([report.journal.path] if report.store_problem else []):
            kept = _set_aside(found, stamp)
            if kept is not None:
                set_aside.append(kept.name)
                if found in (report.prev.path, report.prev_journal.path):
                    found.unlink()
        for live in (report.snapshot, report.journal):
            if live.state == "damaged" and kind_of(live.path) == "file":
                live.path.unlink()  # set aside above; the intact .prev copies stay as they are
            elif live.state == "ok":
                keep_previous(live.path)
        for bad in validity.quarantine(rebuilt.tables):
            notes.append(f"moved the invalid record {bad.line()} to the rejected list")
        header = JournalHeader.new(rebuilt.generation + 1)
        meta = meta_of(rebuilt.tables)
        meta.pop("folded", None)
        meta.update(app="triagedesk", generation=header.generation, journal_salt=header.salt)
        meta.setdefault("schema", 2)
        try:
            atomic_write(path, snapshot_chunks(rebuilt.tables))
            atomic_write(_sibling(path, ".journal"), header.encode())
        except OSError as exc:
            raise StoreError(f"{path}: cannot write the repaired store: {reason(exc)}; run repair again") from None
        counts = ", ".join(f"{k} {len(v)}" for k, v in rebuilt.tables.items() if k != META)
        notes.append(f"wrote a fresh snapshot (generation {header.generation}: {counts or 'empty'})")
        if set_aside:
            notes.append("kept the damaged files as " + ", ".join(set_aside))
        return notes
    finally:
        lock.release()
