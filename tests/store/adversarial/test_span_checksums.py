"""The snapshot's own checksums per span (each list, each span of records): a reader checks only what it reads.

Every span of a small snapshot is damaged in turn (spans made small so each table has several): a read of that
span is refused with the store's one-line error, a read of every other table answers, `db check` finds the
damage (it reads the whole file), and a write waits for the whole file's checksum and is refused. A snapshot
written before these checksums is still read, and its reader waits for the whole file's checksum.
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

import orjson
import pytest

from triagedesk.store import snapshot_file
from triagedesk.store.check import check
from triagedesk.store.errors import StoreCorrupt, StoreError
from triagedesk.store.journal_format import META
from triagedesk.store.snapshot_file import END_LENGTH
from triagedesk.store.table import JournalDB, JournalStorage

TABLES = {"notes": 40, "other": 25}


def build(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshot_file, "CHUNK", 300)  # spans of a few records each
    db = JournalDB(str(path), storage=JournalStorage)
    for name, count in TABLES.items():
        db.table(name).insert_multiple([{"n": n, "text": f"{name} {n} " + "x" * 40} for n in range(count)])
    db.journal.compact()
    db.close()


def directory_of(path: Path) -> dict[str, Any]:
    data = path.read_bytes()
    end = data[-END_LENGTH:]
    at, length = int(end[11:27]), int(end[28:44])
    found: dict[str, Any] = orjson.loads(data[at:at + length])
    return found


def spans_of(path: Path) -> list[tuple[str, str, int, int]]:
    """(table, what, start, end) of every span the snapshot checks on its own."""
    out = []
    for name, entry in directory_of(path)["tables"].items():
        starts = [offset for offset, _ in entry["blocks"]] + [entry["end"]]
        out += [(name, f"records {n}", a, b) for n, (a, b) in enumerate(zip(starts, starts[1:], strict=False))]
        out += [(name, part, place[0], place[0] + place[1]) for part, place in entry["parts"].items()]
    return out


def read_all(db: JournalDB, name: str) -> None:
    """Every record and every column of a table, as a command may read them."""
    docs = db.journal.tables[name]
    assert len(docs) == TABLES[name]
    assert sorted(doc["n"] for doc in docs.values()) == list(range(TABLES[name]))
    base = docs.base
    assert base is not None and base.fields
    for field in base.fields:
        assert len(base.column(field)) == TABLES[name]


def test_a_new_snapshot_checks_every_span_and_its_reader_never_reads_it_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "desk.json"
    build(path, monkeypatch)
    spans = spans_of(path)
    covered = sorted((a, b) for _, _, a, b in spans)
    assert len([s for s in spans if s[1].startswith("records")]) > 2 * len(TABLES)
    data = path.read_bytes()
    assert covered[0][0] == data.index(b"\n") + 1  # every byte from the first record to the directory is in a
    gaps = [c - b for (_, b), (c, _) in zip(covered, covered[1:], strict=False)]  # span (a list's newline aside)
    assert gaps and set(gaps) <= {0, 1}
    assert covered[-1][1] + 1 == int(data[-END_LENGTH:][11:27])
    db = JournalDB(str(path), storage=JournalStorage, create=False, reading=True)
    try:
        assert db.journal.spans_checked
        assert not db.journal.verification.done()  # not started: nothing was read whole
        for name in TABLES:
            read_all(db, name)
        db.journal.answerable()
        assert not db.journal.verification.done()
    finally:
        db.close()


SPANS = [(name, what) for name in TABLES for what in ("records 0", "records 3", "doc_ids", "offsets", "id",
                                                      "_updated_at")]


@pytest.mark.parametrize("table,what", SPANS)
def test_damage_in_a_span_is_refused_where_read_and_found_by_check(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, table: str, what: str) -> None:
    path = tmp_path / "desk.json"
    build(path, monkeypatch)
    found = [(a, b) for name, part, a, b in spans_of(path) if name == table and part == what]
    assert len(found) == 1, spans_of(path)
    start, end = found[0]
    data = bytearray(path.read_bytes())
    data[(start + end) // 2] ^= 0x04
    path.write_bytes(bytes(data))
    db = JournalDB(str(path), storage=JournalStorage, create=False, reading=True)
    try:
        for other in TABLES:
            if other != table:
                read_all(db, other)  # damage elsewhere does not stop a reader of this table
        with pytest.raises(StoreCorrupt) as refused:
            read_all(db, table)
        message = str(refused.value)
        assert "db repair" in message and "\n" not in message and str(path) in message
    finally:
        db.close()
    report = check(path)
    assert not report.ok and report.snapshot.state == "damaged"
    with pytest.raises(StoreError, match="db repair"):
        writer = JournalDB(str(path), storage=JournalStorage, create=False, reading=True)
        try:
            writer.table("notes").insert({"probe": True})
        finally:
            writer.close()


def test_a_reader_of_an_intact_table_answers_over_damage_elsewhere(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "desk.json"
    build(path, monkeypatch)
    start, end = next((a, b) for name, part, a, b in spans_of(path) if name == "other" and part == "records 1")
    data = bytearray(path.read_bytes())
    data[(start + end) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    db = JournalDB(str(path), storage=JournalStorage, create=False, reading=True)
    try:
        read_all(db, "notes")
        db.journal.answerable()  # what it read is intact: the answer goes out
    finally:
        db.close()
    assert not check(path).ok


def without_span_checksums(path: Path) -> None:
    """Rewrite a snapshot as triagedesk wrote it before span checksums: no `blocks`, two numbers per list."""
    data = path.read_bytes()
    end = data[-END_LENGTH:]
    at = int(end[11:27])
    directory = directory_of(path)
    for entry in directory["tables"].values():
        del entry["blocks"]
        entry["parts"] = {part: place[:2] for part, place in entry["parts"].items()}
    blob = orjson.dumps(directory) + b"\n"
    head = data[:at] + blob
    text = b"#directory %016d %016d dcrc=%08x crc=" % (at, len(blob) - 1, zlib.crc32(blob[:-1]))
    path.write_bytes(head + text + b"%08x\n" % zlib.crc32(text, zlib.crc32(head)))


def test_a_snapshot_without_span_checksums_is_read_and_its_reader_waits_for_the_whole_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "desk.json"
    build(path, monkeypatch)
    without_span_checksums(path)
    assert check(path).ok
    db = JournalDB(str(path), storage=JournalStorage, create=False, reading=True)
    try:
        assert not db.journal.spans_checked
        for name in TABLES:
            read_all(db, name)
        db.journal.answerable()
    finally:
        db.close()
    start = directory_of(path)["tables"]["other"]["start"]
    data = bytearray(path.read_bytes())
    data[start + 3] ^= 0x01  # a record of `other`, never read below
    path.write_bytes(bytes(data))
    db = JournalDB(str(path), storage=JournalStorage, create=False, reading=True)
    try:
        read_all(db, "notes")
        with pytest.raises(StoreCorrupt, match="checksum mismatch"):
            db.journal.answerable()  # no span checksums: the whole file's decides
    finally:
        db.close()


def test_a_compaction_writes_span_checksums_into_an_older_snapshot(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "desk.json"
    build(path, monkeypatch)
    without_span_checksums(path)
    db = JournalDB(str(path), storage=JournalStorage, create=False)
    try:
        db.table("notes").insert({"n": 99})
        db.journal.compact()
        assert db.journal.spans_checked
    finally:
        db.close()
    assert all("blocks" in entry for entry in directory_of(path)["tables"].values())
    db = JournalDB(str(path), storage=JournalStorage, create=False, reading=True)
    try:
        assert db.journal.spans_checked and sorted(db.journal.tables[META]) == ["1"]
        assert 99 in {doc["n"] for doc in db.journal.tables["notes"].values()}
    finally:
        db.close()
