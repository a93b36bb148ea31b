"""The damage matrix: each store file x each damage, and what check says, refuses and repair restores.

Used by test_damage_matrix.py (every case, asserted) and torture.py (docs/reliability.md's table).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from triagedesk.store.check import check, repair
from triagedesk.store.errors import StoreError
from triagedesk.store.table import JournalDB, JournalStorage

FIRST, SECOND = 10, 10
"""Notes 0-9 are written, then folded into the snapshot by a compaction; notes 10-19 are in the live journal."""
ALL = set(range(FIRST + SECOND))
SNAPSHOT_ONLY = set(range(FIRST))


def build(path: Path) -> None:
    db = JournalDB(str(path), storage=JournalStorage)
    notes = db.table("notes")
    for n in range(FIRST):
        notes.insert({"n": n})
    db.journal.compact()
    for n in range(FIRST, FIRST + SECOND):
        notes.insert({"n": n})
    db.close()


def record_starts(journal: bytes) -> list[int]:
    """Offsets where each record line starts (the header is line 1)."""
    starts, pos = [], journal.index(b"\n") + 1
    while pos < len(journal):
        starts.append(pos)
        pos = journal.index(b"\n", pos) + 1
    return starts


def flip(data: bytes, at: int, bit: int = 0) -> bytes:
    return data[:at] + bytes([data[at] ^ (1 << bit)]) + data[at + 1:]


Damage = Callable[[Path], None]


def rewrite(change: Callable[[bytes], bytes]) -> Damage:
    def damage(target: Path) -> None:
        target.write_bytes(change(target.read_bytes()))
    return damage


def delete(target: Path) -> None:
    target.unlink()


def directory(target: Path) -> None:
    target.unlink()
    target.mkdir()
    (target / "inside").write_text("x")


def zero_fill(target: Path) -> None:
    target.write_bytes(b"\0" * target.stat().st_size)


@dataclass(frozen=True)
class Case:
    file: str                 # desk.json, desk.json.journal, desk.json.prev, desk.json.journal.prev
    damage: str
    apply: Damage
    detected: bool            # check calls it damage and writes are refused
    recovers: frozenset[int]  # the notes a repaired (or, undetected, the open) store holds

    @property
    def name(self) -> str:
        return f"{self.file}: {self.damage}"


def _record(d: bytes, k: int) -> tuple[int, int]:
    """Where record `k` of the journal `d` starts and ends (its newline)."""
    start = record_starts(d)[k]
    return start, d.index(b"\n", start)


def _header_end(d: bytes) -> int:
    return d.index(b"\n")


def cases(sample: Path | None = None) -> list[Case]:
    """Every case: data only, nothing built (each damage finds its offsets in the file it damages; every build
    writes the same records: the first FIRST folded into the snapshot, SECOND in the live journal). `sample` is
    accepted and unused, for older callers."""
    out: list[Case] = []
    full, snap = frozenset(ALL), frozenset(SNAPSHOT_ONLY)
    jname = "desk.json.journal"
    # the live journal
    for k in range(SECOND):
        out.append(Case(jname, f"cut at record boundary {k}", rewrite(lambda d, k=k: d[:_record(d, k)[0]]), False,
                        frozenset(range(FIRST + k))))
    for k in range(SECOND):
        out.append(Case(jname, f"cut inside record {k}", rewrite(lambda d, k=k: d[:sum(_record(d, k)) // 2]), True,
                        frozenset(range(FIRST + k))))
    out += [
        Case(jname, "cut to 0 bytes", rewrite(lambda d: b""), True, snap),
        Case(jname, "cut inside the header", rewrite(lambda d: d[:_header_end(d) // 2]), True, snap),
        Case(jname, "bit flip in the header (generation)", rewrite(lambda d: flip(d, 35)), True, full),
        Case(jname, "bit flip in the header (checksum)", rewrite(lambda d: flip(d, _header_end(d) - 2)), True,
             full),
    ]
    for k in (0, SECOND // 2, SECOND - 1):
        lost = full - {FIRST + k}
        out.append(Case(jname, f"bit flip in record {k}'s body",
                        rewrite(lambda d, k=k: flip(d, sum(_record(d, k)) // 2, 1)), True, lost))
        out.append(Case(jname, f"bit flip in record {k}'s checksum",
                        rewrite(lambda d, k=k: flip(d, _record(d, k)[0] + 3)), True, lost))
    out += [
        Case(jname, "deleted", delete, True, snap),
        Case(jname, "a directory in its place", directory, True, snap),
        Case(jname, "zero-filled", zero_fill, True, snap),
        Case(jname, "replaced by another store's journal", _foreign_journal, True, snap),
    ]
    # the snapshot: repair rebuilds it from desk.json.prev + desk.json.journal.prev + the live journal
    sname = "desk.json"
    out += [
        Case(sname, "cut in half", rewrite(lambda d: d[: len(d) // 2]), True, full),
        Case(sname, "cut to 0 bytes", rewrite(lambda d: b""), True, full),
        Case(sname, "bit flip in the header (generation)", rewrite(_flip_in(b'"generation":', 13)), True, full),
        Case(sname, "bit flip in the checksum", rewrite(lambda d: flip(d, 24)), True, full),
        Case(sname, "bit flip in a document", rewrite(_flip_in(b'"n":5', 4)), True, full),
        Case(sname, "deleted", delete, True, full),
        Case(sname, "a directory in its place", directory, True, full),
        Case(sname, "zero-filled", zero_fill, True, full),
        Case(sname, "an older copy put back", _older_snapshot, True, full),
    ]
    # the .prev copies: the live store is intact and keeps working; repair has nothing to do
    for name in ("desk.json.prev", "desk.json.journal.prev"):
        out += [
            Case(name, "cut in half", rewrite(lambda d: d[: len(d) // 2]), False, full),
            Case(name, "bit flip", rewrite(lambda d: flip(d, len(d) // 2, 1)), False, full),
            Case(name, "deleted", delete, False, full),
            Case(name, "a directory in its place", directory, False, full),
            Case(name, "zero-filled", zero_fill, False, full),
        ]
    return out


def _flip_in(marker: bytes, offset: int) -> Callable[[bytes], bytes]:
    return lambda d: flip(d, d.index(marker) + offset, 1)


def _foreign_journal(target: Path) -> None:
    other = target.parent / "other" / "desk.json"
    other.parent.mkdir()
    build(other)
    shutil.copy(other.with_name("desk.json.journal"), target)


def _older_snapshot(target: Path) -> None:
    shutil.copy(target.with_name("desk.json.prev"), target)


@dataclass
class Result:
    case: Case
    verdict: str             # check's last line
    damaged_lines: list[str]  # check's lines naming damage
    write_refused: bool
    refusal: str
    repair_notes: list[str]
    recovered: set[int]
    second_repair: list[str]
    check_after: bool
    files_kept: int


def notes_of(path: Path) -> set[int]:
    db = JournalDB(str(path), storage=JournalStorage, create=False)
    try:
        return {d["n"] for d in db.table("notes").all()}
    finally:
        db.close()


def run(case: Case, folder: Path) -> Result:
    """Build a store, damage it, and see what check, a write and repair (twice) do."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "desk.json"
    build(path)
    case.apply(folder / case.file)
    report = check(path)
    flagged = [line for line in report.lines() if "DAMAGED" in line or "MISSING" in line]
    refusal = ""
    try:
        db = JournalDB(str(path), storage=JournalStorage, create=False)
        db.table("other").insert({"probe": True})
        db.close()
        refused = False
    except StoreError as exc:
        refused, refusal = True, str(exc)
    notes = repair(path)
    recovered = notes_of(path)
    again = repair(path)
    after = notes_of(path)
    assert after == recovered, f"{case.name}: a second repair changed the store"
    kept = sum(1 for p in os.listdir(folder) if ".damaged-" in p)
    return Result(case, report.lines()[-1], flagged, refused, refusal, notes, recovered, again,
                  check(path).ok, kept)
