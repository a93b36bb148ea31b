"""A bulk load folds its journal once at its end, and keeps no second copy of it (`.journal.prev`) when that journal
held the load alone; a journal holding anything else (a record before the load, another process's write between
its commits) is kept, as every compaction keeps it. Either way the store checks ok, and a damaged snapshot after
it is repaired from what the files hold, with what is gone named."""

from __future__ import annotations

from pathlib import Path

from triagedesk.store.bulk import BulkLoad, forget_folded
from triagedesk.store.check import check, repair
from triagedesk.store.journal_format import JournalHeader
from triagedesk.store.table import JournalDB, JournalStorage


def load(db: JournalDB, parts: int, start: int = 0) -> bool:
    bulk = BulkLoad(db.journal)
    for p in range(parts):
        with bulk.commit():
            db.table("notes").insert_multiple({"n": start + p * 10 + k} for k in range(10))
    return bulk.fold()


def notes(path: Path) -> list[int]:
    db = JournalDB(str(path), storage=JournalStorage, create=False)
    try:
        return sorted(d["n"] for d in db.table("notes").all())
    finally:
        db.close()


def test_a_load_alone_in_its_journal_leaves_no_copy_of_it(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    db = JournalDB(str(path), storage=JournalStorage)
    generation = db.journal.generation
    assert load(db, 5)
    assert db.journal.generation == generation + 1
    db.close()
    assert not path.with_name("desk.json.journal.prev").exists()
    assert path.with_name("desk.json.prev").exists()
    assert notes(path) == list(range(50))
    assert check(path).ok


def test_a_record_before_the_load_keeps_the_copy(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    db = JournalDB(str(path), storage=JournalStorage)
    db.table("notes").insert({"n": -1})
    assert not load(db, 3)
    db.close()
    assert path.with_name("desk.json.journal.prev").exists()
    assert notes(path) == [-1, *range(30)]
    assert check(path).ok


def test_another_writer_between_the_loads_commits_keeps_the_copy(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    db = JournalDB(str(path), storage=JournalStorage)
    other = JournalDB(str(path), storage=JournalStorage)
    bulk = BulkLoad(db.journal)
    for p in range(3):
        with bulk.commit():
            db.table("notes").insert_multiple({"n": p * 10 + k} for k in range(10))
        if p == 1:
            other.table("notes").insert({"n": 100})
    assert not bulk.fold()
    other.close()
    db.close()
    assert path.with_name("desk.json.journal.prev").exists()
    assert notes(path) == [*range(30), 100]
    assert check(path).ok


def test_only_the_folded_journal_is_forgotten(tmp_path: Path) -> None:
    copy = tmp_path / "desk.json.journal.prev"
    header = JournalHeader.new(4)
    copy.write_bytes(JournalHeader.new(4).encode())
    assert not forget_folded(copy, header) and copy.exists()  # same generation, another salt
    copy.write_bytes(header.encode())
    assert forget_folded(copy, header) and not copy.exists()
    assert not forget_folded(copy, header)  # gone already: nothing to do


def test_a_damaged_snapshot_after_a_load_is_repaired_and_says_what_is_gone(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    db = JournalDB(str(path), storage=JournalStorage)
    assert load(db, 2)
    db.table("notes").insert({"n": 500})  # written after the load, in the live journal
    db.close()
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    report = check(path)
    assert not report.ok and report.snapshot.state == "damaged"
    assert any("the one desk.json.prev expects after it, is gone" in line for line in report.lines()), report.lines()
    repair(path)
    assert notes(path) == [500]  # the load is rebuilt by loading it again (the demo: `demo --force`)
    assert check(path).ok
