"""`db check` reads each journal a chunk at a time (never whole) and finds exactly what reading it whole found:
the same header, intact records, damaged lines, unfinished tail and cut, over random journals and damage, with
lines longer than a chunk and longer than what is held; and replaying a bulk load's journal holds where each
document lies, not the documents."""

from __future__ import annotations

import tracemalloc
from pathlib import Path
from typing import Any
from unittest import mock

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triagedesk.store import check as check_module
from triagedesk.store import journal_lines
from triagedesk.store.check import check, plan, repair
from triagedesk.store.found import read_journal, read_snapshot
from triagedesk.store.journal_format import PAGE, Damaged, JournalHeader, decode_header, decode_record, encode_record
from triagedesk.store.journal_lines import lines
from triagedesk.store.lazy_docs import LazyDocs
from triagedesk.store.table import JournalDB, JournalStorage


def whole_file_reading(data: bytes) -> dict[str, Any]:
    """What `db check` found when it read a journal whole and split it (the reading before streaming)."""
    out: dict[str, Any] = {"header": None, "problem": "", "offsets": [], "damaged": [], "before": 0, "tail": 0,
                           "cut_at": None}
    try:
        out["header"], start = decode_header(data)
    except Damaged as exc:
        out["problem"] = str(exc)
        newline = data.find(b"\n")
        start = newline + 1 if newline >= 0 else len(data)
    parts = data[start:].split(b"\n")
    tail = parts.pop()
    offset = start
    for number, line in enumerate(parts, start=2):
        if decode_record(line) is None:
            out["damaged"].append(number)
        else:
            out["offsets"].append(offset)
            if not out["damaged"]:
                out["before"] += 1
        offset += len(line) + 1
    if tail:
        out["tail"] = len(tail)
        if (offset + len(tail)) % PAGE:
            out["cut_at"] = offset
    return out


def streamed(path: Path, folded: tuple[JournalHeader, int] | None = None) -> dict[str, Any]:
    found = read_journal(path, folded)
    return {"header": found.header, "problem": found.problem if found.header is None else "",
            "offsets": list(found.offsets), "damaged": found.damaged_lines, "before": found.intact_before_damage,
            "tail": found.tail, "cut_at": found.cut_at}


docs = st.dictionaries(st.sampled_from(["n", "title", "tags"]),
                       st.one_of(st.integers(-5, 10**6), st.text(max_size=40), st.lists(st.text(max_size=5))),
                       max_size=3)
ops = st.lists(st.tuples(st.sampled_from(["notes", "issues"]), st.integers(1, 99).map(str),
                         st.one_of(st.none(), docs)), min_size=1, max_size=4)


@st.composite
def journals(draw: st.DrawFn) -> bytes:
    data = JournalHeader.new(draw(st.integers(1, 9))).encode()
    data += b"".join(encode_record([(t, i, d) for t, i, d in record]) for record in draw(st.lists(ops, max_size=8)))
    for _ in range(draw(st.integers(0, 3))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        how = draw(st.sampled_from(["flip", "cut", "newline", "drop newline"]))
        if how == "flip":
            data = data[:at] + bytes([data[at] ^ (1 << draw(st.integers(0, 7)))]) + data[at + 1:]
        elif how == "cut":
            data = data[:at]
        elif how == "newline":
            data = data[:at] + b"\n" + data[at:]
        else:
            newline = data.find(b"\n", at)
            data = data if newline < 0 else data[:newline] + data[newline + 1:]
    return data


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=journals(), chunk=st.integers(1, 300), keep=st.integers(1, 400), folded=st.none() | st.integers(0, 2000))
def test_a_streamed_journal_reads_as_the_whole_file_did(tmp_path: Path, data: bytes, chunk: int, keep: int,
                                                        folded: int | None) -> None:
    """Also when an intact snapshot folded the journal in up to a point: its records before it are checked by their
    CRC alone, which finds every damage the random changes make (a CRC-32 misses no burst of 32 bits or less)."""
    path = tmp_path / "desk.json.journal"
    path.write_bytes(data)
    try:
        header = decode_header(data)[0]
    except Damaged:
        header = JournalHeader(1, "00000000")
    with mock.patch.object(journal_lines, "CHUNK", chunk), mock.patch.object(journal_lines, "KEEP", keep):
        assert streamed(path, None if folded is None else (header, folded)) == whole_file_reading(data)


def test_a_folded_record_is_checked_by_its_crc_and_a_record_to_replay_decoded_whole(tmp_path: Path) -> None:
    """A line whose CRC is right but whose JSON is not (no damage makes one: a writer that is not triagedesk's)
    is damage where a repair would replay it, and passes where the snapshot already holds what the journal did."""
    import zlib

    header = JournalHeader.new(3)
    good = encode_record([("notes", "1", {"n": 1})])
    body = b'[["notes","2",{"n":2}'
    crafted = b"%08x " % zlib.crc32(body) + body + b"\n"
    data = header.encode() + good + crafted + good
    path = tmp_path / "desk.json.journal"
    path.write_bytes(data)
    start = len(header.encode())
    assert streamed(path)["damaged"] == [3]
    past_it = start + len(good) + len(crafted)
    assert streamed(path, (header, past_it))["damaged"] == []
    assert streamed(path, (header, past_it))["offsets"] == [start, start + len(good), past_it]
    assert streamed(path, (JournalHeader.new(3), past_it))["damaged"] == [3]  # another journal: decoded whole


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=400) | st.lists(st.sampled_from([b"ab", b"\n", b"xyz" * 9]), max_size=30).map(
    b"".join), chunk=st.integers(1, 50), keep=st.integers(1, 60))
def test_lines_are_the_file_split_at_its_newlines(data: bytes, chunk: int, keep: int) -> None:
    at = 0

    def read(n: int) -> bytes:
        nonlocal at
        got = data[at:at + n]
        at += len(got)
        return got

    found = list(lines(read, chunk, keep))
    parts = data.split(b"\n")
    tail = parts.pop()
    expected = [(line, True) for line in parts] + ([(tail, False)] if tail else [])
    assert [(data[f.offset:f.offset + f.length], f.complete) for f in found] == expected
    for f in found:
        held = data[f.offset:f.offset + f.length]
        if f.data is not None:  # held: within one read, or no longer than `keep`
            assert f.data == held
        else:  # not held: whether it states its own checksum, as a record would
            assert f.length > keep
            assert f.stated_crc_ok == (held[8:9] == b" " and _crc_ok(held))


def _crc_ok(line: bytes) -> bool:
    import zlib

    try:
        return int(line[:8], 16) == zlib.crc32(line[9:])
    except ValueError:
        return False


def bulk_store(path: Path, records: int, per_record: int) -> None:
    """A store whose live journal holds a bulk load (nothing folded): `records` commits of `per_record` notes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = JournalDB(str(path), storage=JournalStorage)
    notes = db.table("notes")
    for r in range(records):
        with db.journal.transaction():
            notes.insert_multiple({"n": r * per_record + k, "text": "x" * 200} for k in range(per_record))
    db.close()


def test_damage_inside_a_journal_of_records_longer_than_a_chunk_is_found_and_repaired(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    bulk_store(path, 6, 400)  # lines of ~90 KB
    journal = path.with_name("desk.json.journal")
    data = bytearray(journal.read_bytes())
    starts = [n + 1 for n, byte in enumerate(data) if byte == 0x0A][:-1]
    assert len(starts) == 6
    data[(starts[3] + starts[4]) // 2] ^= 0x04  # inside the fourth record, far from any chunk's edge
    journal.write_bytes(bytes(data))
    with mock.patch.object(journal_lines, "CHUNK", 4096), mock.patch.object(journal_lines, "KEEP", 16_384):
        report = check(path)
        assert not report.ok and report.journal.state == "damaged"
        assert report.journal.damaged_lines == [5] and report.journal.count == 5
        assert "records at lines 5 fail their checksum, 2 intact records after them" in report.journal.problem
        repair(path)
    db = JournalDB(str(path), storage=JournalStorage, create=False)
    try:
        assert sorted(d["n"] for d in db.table("notes").all()) == [n for n in range(2400) if not 1200 <= n < 1600]
    finally:
        db.close()
    assert check(path).ok


def _peak_reading(path: Path) -> tuple[int, int]:
    """(bytes allocated at the peak of reading the journal, its intact records)."""
    tracemalloc.start()
    try:
        with mock.patch.object(journal_lines, "CHUNK", 64 * 1024):
            found = read_journal(path.with_name("desk.json.journal"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert found.state == "ok"
    return peak, found.count


def test_reading_a_journal_holds_one_record_not_the_file(tmp_path: Path) -> None:
    small, large = tmp_path / "small" / "desk.json", tmp_path / "large" / "desk.json"
    bulk_store(small, 10, 250)  # records of ~60 KB each
    bulk_store(large, 60, 250)
    assert large.with_name("desk.json.journal").stat().st_size > 3_500_000
    (small_peak, small_count), (large_peak, large_count) = _peak_reading(small), _peak_reading(large)
    assert (small_count, large_count) == (10, 60)
    assert large_peak < 1.5 * small_peak, f"6x the journal: peak {small_peak:,} -> {large_peak:,} bytes"


def test_a_replayed_bulk_load_is_held_as_where_it_lies_and_reads_as_its_documents(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    bulk_store(path, 5, 100)
    snapshot, journal = read_snapshot(path), read_journal(path.with_name("desk.json.journal"))
    prev, prev_journal = read_snapshot(path.with_name("desk.json.prev")), read_journal(
        path.with_name("desk.json.journal.prev"))
    rebuilt = plan(snapshot, journal, prev, prev_journal)
    notes = rebuilt.tables["notes"]
    assert isinstance(notes, LazyDocs) and len(notes) == 500
    assert all(type(held) is int for held in notes.changed.values()), "a replayed document is held in memory"
    raw = path.with_name("desk.json.journal").read_bytes().split(b"\n")[1:-1]
    expected: dict[str, Any] = {}
    for line in raw:
        for table, doc_id, doc in orjson.loads(line[9:]):
            if table == "notes":
                expected[doc_id] = doc
    assert dict(notes.items()) == expected


@pytest.mark.parametrize("where", ["desk.json.journal", "desk.json.journal.prev"])
def test_check_never_reads_a_journal_whole(tmp_path: Path, where: str) -> None:
    path = tmp_path / "desk.json"
    db = JournalDB(str(path), storage=JournalStorage)
    for n in range(30):
        db.table("notes").insert({"n": n})
        if n == 14:
            db.journal.compact()
    db.close()
    real = Path.read_bytes

    def refuse(self: Path) -> bytes:
        if self.name.endswith((".journal", ".journal.prev")):
            raise AssertionError(f"{self.name} was read whole")
        return real(self)

    with mock.patch.object(Path, "read_bytes", refuse):
        report = check_module.check(path)
    assert report.ok and report.journal.count == 15 and report.prev_journal.count == 15
    assert path.with_name(where).exists()
