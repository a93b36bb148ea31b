"""Hostile tests of the format-3 snapshot read on demand (store/snapshot_file.py, store/lazy_docs.py,
store/generations.py). Each `# FINDING n` test failed on the first version of that code (its name and docstring
say what broke) and now guards the fix; the tests without a FINDING mark are attacks that held."""

from __future__ import annotations

import os
import shutil
import threading
import zlib
from pathlib import Path

import orjson
import pytest

import triagedesk.store.generations as generations
from triagedesk.store.check import check
from triagedesk.store.database import open_store
from triagedesk.store.errors import StoreCorrupt, StoreError
from triagedesk.store.journal_format import APP, JournalHeader
from triagedesk.store.table import JournalDB, JournalStorage


# -- helpers ---------------------------------------------------------------------------------------------
def _store(path: Path, count: int = 10, prefix: str = "req") -> None:
    """A format-3 store: `count` requests and 5 issues folded into the snapshot, an empty journal."""
    store = open_store(path)
    with store.transaction():
        store.db.table("requests").insert_multiple(
            {"id": f"{prefix}-{n}", "analysis_id": f"INC-{n % 5}", "status": "completed" if n % 3 == 0 else "assigned",
             "assigned_expert_id": "exp-a"} for n in range(count))
        store.db.table("issues").insert_multiple({"id": f"INC-{n}", "title": f"{prefix} {n}"} for n in range(5))
    store.journal.compact()
    store.close()


def _damage(path: Path, old: bytes, new: bytes) -> None:
    data = path.read_bytes()
    assert len(old) == len(new) and data.count(old) >= 1, old
    path.write_bytes(data.replace(old, new, 1))


def _older_raw(rest_json: bytes) -> tuple[bytes, JournalHeader]:
    """A snapshot of the older format (plain TinyDB JSON, its CRC first in `_meta`) whose tables are given as raw
    JSON text, so it can hold what orjson would not write (deep nesting), with a valid checksum."""
    header = JournalHeader.new(1)
    meta = {"app": APP, "schema": 2, "generation": 1, "journal_salt": header.salt}
    prefix = b'{"_meta":{"1":{"crc":"'
    tail = b'00000000",' + orjson.dumps(meta)[1:] + b"}," + rest_json[1:]
    return prefix + b"%08x" % zlib.crc32(tail, zlib.crc32(prefix)) + tail[8:], header


def _write_older(path: Path, rest_json: bytes) -> None:
    raw, header = _older_raw(rest_json)
    path.write_bytes(raw)
    path.with_name(path.name + ".journal").write_bytes(header.encode())


def _as_the_desk_opens(path: Path):
    """A command's open refuses a damaged snapshot at once (it waits for the checksum); the desk's does not (it
    starts while the checksum is read): the store the desk holds, once its check has finished."""
    with pytest.raises(StoreCorrupt):
        open_store(path)
    store = open_store(path, checked=False)
    _wait_checked(store.journal)
    return store


def _wait_checked(journal: JournalStorage) -> None:
    running = journal.verification
    if running is not None:
        running.result()


# FINDING 1 -----------------------------------------------------------------------------------------------
def test_finding1_reads_keep_serving_a_snapshot_whose_checksum_failed(tmp_path: Path) -> None:
    """A changed byte in a record: the whole-file check fails (a write is refused), yet every read afterwards
    still serves the damaged record as good data, and the CLI's export prints it with exit code 0."""
    path = tmp_path / "desk.json"
    _store(path)
    _damage(path, b'{"id":"req-3","analysis_id":"INC-3","status":"completed"',
            b'{"id":"req-3","analysis_id":"INC-3","status":"cancelled"')
    store = _as_the_desk_opens(path)
    with pytest.raises(StoreCorrupt):
        store.journal.verified()  # the store knows its snapshot is damaged...
    # ...and still answers reads from it, as if intact
    with pytest.raises(StoreCorrupt):
        store.db.table("requests").get(doc_id=4)


# FINDING 1 (b): the indexes built from the columns disagree with the documents they return
def test_finding1b_a_lookup_returns_documents_that_do_not_hold_the_value(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    _store(path)
    _damage(path, b'{"id":"req-3","analysis_id":"INC-3","status":"completed"',
            b'{"id":"req-3","analysis_id":"INC-3","status":"cancelled"')
    store = _as_the_desk_opens(path)
    try:
        found = store.journal.lookup("requests", "status", "completed")
    except StoreCorrupt:
        return  # refusing is right
    assert all(d["status"] == "completed" for d in found), [(d["id"], d["status"]) for d in found]


# FINDING 2 -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("old,new", [
    (b'{"id":"req-3",', b'["id":"req-3",'),                   # a record that is no longer JSON
    (b"[1,2,3,4,5,6,7,8,9,10]", b"[1,2,3,4,5,6,7,8,9,11]"),  # the doc_ids list
    (b'"INC-0","INC-1","INC-2","INC-3"', b'"INC-0","INC-1","INC-2",["NC-3"'),  # a column no longer JSON
], ids=["record JSON", "doc_ids list", "column JSON"])
def test_finding2_a_damaged_record_or_list_is_a_traceback_on_read(tmp_path: Path, old: bytes, new: bytes) -> None:
    """Damage the directory's checksum does not cover raises orjson.JSONDecodeError / IndexError out of a plain
    read or lookup (and `triagedesk show`/`export` print a traceback), never the one-line StoreCorrupt."""
    path = tmp_path / "desk.json"
    _store(path)
    _damage(path, old, new)
    store = _as_the_desk_opens(path)
    for read in (lambda: store.db.table("requests").all(), lambda: store.db.table("requests").get(doc_id=11),
                 lambda: store.journal.lookup("requests", "analysis_id", "INC-3"),
                 lambda: store.journal.doc_id_of("requests", "req-3")):
        try:
            read()
        except StoreError:
            pass  # one line: right


# FINDING 3 -----------------------------------------------------------------------------------------------
def test_finding3_a_snapshot_rewritten_in_place_is_read_as_this_stores_records(tmp_path: Path) -> None:
    """`cp other/desk.json desk.json` (same inode, new bytes) under an open desk: refresh() reports nothing,
    and the desk serves the other store's records at this one's offsets (a read-only desk, forever)."""
    mine, theirs = tmp_path / "a" / "desk.json", tmp_path / "b" / "desk.json"
    _store(mine, prefix="mine")
    _store(theirs, prefix="FOES")
    db = JournalDB(str(mine), storage=JournalStorage)
    _wait_checked(db.journal)
    assert db.table("issues").get(doc_id=2)["title"] == "mine 1"
    inode = os.stat(mine).st_ino
    shutil.copyfile(theirs, mine)
    assert os.stat(mine).st_ino == inode
    try:
        changed = db.journal.refresh()
        title = db.table("issues").get(doc_id=2)["title"]
    except StoreError:
        return  # noticed: right
    assert title == "mine 1" or changed, f"refresh() saw nothing, and the desk now reads {title!r}"


# FINDING 4 -----------------------------------------------------------------------------------------------
def test_finding4_a_checksum_check_that_cannot_read_the_file_reports_it_intact(tmp_path: Path) -> None:
    """The snapshot shrinks under the checksum thread (cut while open): OpenSnapshot.read raises StoreCorrupt,
    which `Verification._run` does not catch: the thread dies with a traceback and result() says intact."""
    path = tmp_path / "desk.json"
    _store(path)
    handle = open(path, "rb")
    size = os.fstat(handle.fileno()).st_size
    os.truncate(path, size // 2)
    seen: list[BaseException] = []
    previous = threading.excepthook
    threading.excepthook = lambda args: seen.append(args.exc_value)  # type: ignore[assignment]
    try:
        result = generations.Verification(handle, size).result()
    finally:
        threading.excepthook = previous
        handle.close()
    assert not seen, f"the checksum thread died: {seen[0]!r}"
    assert result is not None, "a snapshot that could not be read was reported intact"


# FINDING 5 -----------------------------------------------------------------------------------------------
def test_finding5_older_format_doc_ids_are_lost_or_renamed_by_the_rewrite(tmp_path: Path) -> None:
    """An older-format snapshot (plain TinyDB JSON) whose doc_ids are "007" and "7": `open_store` rewrites it as
    format 3 (int(key) for both) with a valid checksum: both documents now answer to doc_id 7 (get(doc_id=7)
    sees one, the other is reachable only by iterating), and "\u0663" became "3"; `db check` says ok."""
    path = tmp_path / "desk.json"
    _write_older(path, b'{"notes":{"007":{"n":1},"7":{"n":2},"\xd9\xa3":{"n":3}}}')  # "\u0663": an Arabic 3
    # refused, one line, by the desk and by every command, and check agrees: nothing is renamed or merged
    for opening in (lambda: JournalDB(str(path), storage=JournalStorage), lambda: open_store(path)):
        with pytest.raises(StoreCorrupt) as refused:
            opening()
        assert "'007'" in str(refused.value) and "\n" not in str(refused.value)
    assert check(path).snapshot.state == "damaged"
    assert path.read_bytes().startswith(b'{"_meta"')  # not rewritten


# FINDING 6 -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("rest", [
    b'{"notes":{"1":{"x":' + b"[" * 300 + b"]" * 300 + b"}}}",  # nested 300 deep: orjson reads 1024, writes 254
    b'{"notes":{"99999999999999999999":{"n":1}}}',            # a doc_id beyond 64 bits
    b'{"notes":{"\xc2\xb2":{"n":1}}}',                          # "\u00b2": isdigit() but not int()
], ids=["nested 300 deep", "doc_id beyond 64 bits", "superscript doc_id"])
def test_finding6_an_older_format_snapshot_db_check_calls_ok_is_a_traceback_at_open(tmp_path: Path,
                                                                                     rest: bytes) -> None:
    """`db check` says ok, and `open_store` raises TypeError / ValueError (a traceback from every command)."""
    path = tmp_path / "desk.json"
    _write_older(path, rest)
    ok = check(path).snapshot.state == "ok"
    try:
        open_store(path).close()
    except StoreError:
        assert not ok, "check says ok but the store refuses to open"
        return


# FINDING 7 -----------------------------------------------------------------------------------------------
def test_finding7_an_older_format_integer_beyond_64_bits_becomes_a_float(tmp_path: Path) -> None:
    """orjson reads 99999999999999999999 as 1e+20: the rewrite stores a different value (with a valid
    checksum) instead of refusing, as the input edge does ("integer out of range")."""
    path = tmp_path / "desk.json"
    _write_older(path, b'{"notes":{"1":{"n":99999999999999999999}}}')
    try:
        store = open_store(path)
    except StoreError:
        return
    value = store.db.table("notes").get(doc_id=1)["n"]
    store.close()
    assert value == 99999999999999999999 and isinstance(value, int), value


# FINDING 8 -----------------------------------------------------------------------------------------------
def test_finding8_a_doc_id_of_19_digits_is_listed_but_cannot_be_read(tmp_path: Path) -> None:
    """A table whose one doc_id is 10**18 (fits int64): after the rewrite it is iterated but `in`, get() and
    TinyDB's get(doc_id=) do not find it (SnapshotTable.position refuses keys longer than 18 digits)."""
    path = tmp_path / "desk.json"
    key = "1000000000000000000"
    _write_older(path, b'{"notes":{"%s":{"n":19}}}' % key.encode())
    open_store(path).close()
    db = JournalDB(str(path), storage=JournalStorage)
    table = db.journal.tables["notes"]
    assert list(table) == [key]
    assert key in table and table.get(key) == {"n": 19}


# FINDING 9 -----------------------------------------------------------------------------------------------
def test_finding9_a_changed_hex_case_in_the_last_checksum_is_not_found(tmp_path: Path) -> None:
    """The docs promise any changed byte is found; int(..., 16) reads `crc=0AC5` as `crc=0ac5`, so flipping bit
    5 of a hex letter in the trailer's last checksum is accepted (harmless data-wise, but the promise breaks)."""
    path = tmp_path / "desk.json"
    for attempt in range(20):
        _store(path, prefix=f"r{attempt}")
        data = path.read_bytes()
        crc = data[-9:-1]
        if any(c in b"abcdef" for c in crc):
            break
        for name in os.listdir(tmp_path):
            os.unlink(tmp_path / name)
    at = len(data) - 9 + next(i for i, c in enumerate(crc) if c in b"abcdef")
    path.write_bytes(data[:at] + bytes([data[at] ^ 0x20]) + data[at + 1:])
    assert check(path).snapshot.state == "damaged", "a changed byte of the snapshot passed db check"


# held: guards of attacks that did not break -------------------------------------------------------------
def test_held_a_write_over_a_damaged_record_is_refused_and_check_and_repair_agree(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    _store(path)
    _damage(path, b'"req-3"', b'"req-8"')
    store = open_store(path, checked=False)
    with pytest.raises(StoreCorrupt):
        store.db.table("notes").insert({"n": 1})
    with pytest.raises(StoreCorrupt):
        store.journal.compact()
    report = check(path)
    assert report.snapshot.state == "damaged" and "DAMAGED" in report.lines()[1]


# FINDING 10 ----------------------------------------------------------------------------------------------
def test_finding10_a_failed_compaction_links_prev_to_the_live_files_and_one_flip_then_loses_the_store(
        tmp_path: Path) -> None:
    """ENOSPC during the streamed compaction: `compact` had already made `.prev` and `.journal.prev` hard links
    of the live snapshot and journal (keep_previous before atomic_write), so the older copies are gone and the
    "copies" share the live inodes; one flipped bit in desk.json then damages .prev too, and repair rebuilds
    from an empty store: 2000 of 2011 notes lost, where the older .journal.prev held them all."""
    from tests.store.adversarial.faults import ENOSPC, Faulty, injected
    from triagedesk.store.check import repair

    path = tmp_path / "desk.json"
    db = JournalDB(str(path), storage=JournalStorage)
    notes = db.table("notes")
    with db.journal.transaction():
        for n in range(2000):
            notes.insert({"n": n, "pad": "x" * 600})  # over 1 MiB: streamed in several chunks
    db.journal.compact()
    for n in range(2000, 2010):
        notes.insert({"n": n})
    with injected(Faulty("write", ENOSPC, after=1)), pytest.raises(StoreError):
        db.journal.compact()
    notes.insert({"n": 2010})
    db.close()
    shared = os.stat(path.with_name("desk.json.prev")).st_ino == os.stat(path).st_ino
    with open(path, "r+b") as handle:  # bad luck: one bit of the live snapshot
        handle.seek(5000)
        byte = handle.read(1)
        handle.seek(5000)
        handle.write(bytes([byte[0] ^ 1]))
    repair(path)
    db = JournalDB(str(path), storage=JournalStorage)
    assert len(db.table("notes").all()) == 2011, f".prev shared the live inode: {shared}"


# FINDING 11 ----------------------------------------------------------------------------------------------
def test_finding11_one_crafted_journal_record_makes_every_compaction_a_traceback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A CRC-valid journal line with doc_id "99999999999999999999" (`_is_op` takes any isdigit() string) is
    applied; then snapshot_chunks' orjson.dumps(doc_ids) raises TypeError, which neither `compact` (OSError,
    ValueError) nor `_commit` (StoreError) catches: an acknowledged-in-the-journal insert raises a traceback."""
    import triagedesk.store.journal as journal_module
    from triagedesk.store.journal_format import encode_record

    path = tmp_path / "desk.json"
    _store(path)
    with open(path.with_name("desk.json.journal"), "ab") as handle:
        handle.write(encode_record([["notes", "99999999999999999999", {"n": 1}]]))
    try:
        db = JournalDB(str(path), storage=JournalStorage)
    except StoreCorrupt as refused:  # a doc_id the store cannot hold: a damaged record, one line
        assert "damaged record" in str(refused) and "\n" not in str(refused)
        assert check(path).journal.state == "damaged"
        return
    monkeypatch.setattr(journal_module, "COMPACT_MIN_BYTES", 1)
    try:
        db.table("notes").insert({"n": 2})  # committed; the compaction it triggers fails
    except StoreError:
        pass
    try:
        db.journal.compact()
    except StoreError:
        pass  # one line: right


# FINDING 12 ----------------------------------------------------------------------------------------------
_KILLED_COMPACTION = r"""
import os, signal, sys
from triagedesk import files
from triagedesk.store.table import JournalStorage
from triagedesk.store.table import JournalDB

class Dies(files.FileOps):
    def write(self, fd, data):
        if ".tmp" in os.readlink(f"/proc/self/fd/{fd}"):
            os.kill(os.getpid(), signal.SIGKILL)  # SIGKILL in the middle of the streamed compaction
        return super().write(fd, data)

db = JournalDB(sys.argv[1], storage=JournalStorage)
db.table("notes").insert({"n": 1})
files.OPS = Dies()
db.journal.compact()
"""


def test_finding12_a_killed_compaction_leaves_a_snapshot_sized_temp_file_forever(tmp_path: Path) -> None:
    """A compaction killed mid-stream leaves `.desk.json.XXXX.tmp` (as big as the snapshot: 20 MB each in a
    20 MB store); no later open, write, compaction, check or repair removes it, so repeated kills fill the disk
    (12 kills of a 20 MB store left 11 such files)."""
    import subprocess
    import sys

    from triagedesk.store.check import repair

    path = tmp_path / "desk.json"
    _store(path)
    for _ in range(3):
        subprocess.run([sys.executable, "-c", _KILLED_COMPACTION, str(path)], check=False, timeout=60)
    db = JournalDB(str(path), storage=JournalStorage)
    db.table("notes").insert({"n": 2})
    db.journal.compact()
    db.close()
    check(path)
    repair(path)
    left = [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]
    assert not left, f"temporary snapshots left behind: {left}"


# FINDING 10 (b): the same after a compaction killed mid-stream (SIGKILL), not only after ENOSPC
def test_finding10b_a_killed_compaction_also_links_prev_to_the_live_files(tmp_path: Path) -> None:
    import subprocess
    import sys

    from triagedesk.store.check import repair

    path = tmp_path / "desk.json"
    db = JournalDB(str(path), storage=JournalStorage)
    with db.journal.transaction():
        for n in range(2000):
            db.table("notes").insert({"n": n, "pad": "x" * 600})
    db.journal.compact()
    db.close()
    subprocess.run([sys.executable, "-c", _KILLED_COMPACTION, str(path)], check=False, timeout=60)  # adds n=1
    shared = os.stat(path.with_name("desk.json.prev")).st_ino == os.stat(path).st_ino
    with open(path, "r+b") as handle:  # bad luck: one bit of the live snapshot
        handle.seek(5000)
        byte = handle.read(1)
        handle.seek(5000)
        handle.write(bytes([byte[0] ^ 1]))
    repair(path)
    db = JournalDB(str(path), storage=JournalStorage)
    assert len(db.table("notes").all()) == 2001, f".prev shared the live inode: {shared}"


# FINDING 13 ----------------------------------------------------------------------------------------------
def test_finding13_a_lookup_of_true_returns_documents_holding_1_and_1_0(tmp_path: Path) -> None:
    """FieldMap keys values by ==/hash, so True, 1 and 1.0 are one key: lookup("status", True) returns the
    documents whose status is 1 and 1.0 too (the index's own `change` compares types; its build does not)."""
    path = tmp_path / "desk.json"
    store = open_store(path)
    with store.transaction():
        store.db.table("requests").insert_multiple(
            [{"id": "a", "status": 1}, {"id": "b", "status": True}, {"id": "c", "status": 1.0}])
    store.journal.compact()
    store.close()
    store = open_store(path)
    assert [d["id"] for d in store.journal.lookup("requests", "status", True)] == ["b"]


# held ------------------------------------------------------------------------------------------------------
def test_held_a_snapshot_cut_in_place_under_an_open_desk_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    _store(path)
    db = JournalDB(str(path), storage=JournalStorage)
    _wait_checked(db.journal)
    os.truncate(path, 100)
    with pytest.raises(StoreCorrupt):
        db.table("requests").all()
    with pytest.raises(StoreCorrupt):
        db.table("notes").insert({"n": 1})


def test_held_reloads_after_another_desks_compactions_leak_no_descriptor(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    _store(path)
    reader = JournalDB(str(path), storage=JournalStorage)
    writer = JournalDB(str(path), storage=JournalStorage)
    reader.table("requests").all()
    before = len(os.listdir("/proc/self/fd"))
    for n in range(150):
        writer.table("notes").insert({"n": n})
        writer.journal.compact()
        reader.journal.refresh()
        assert len(reader.table("notes").all()) == n + 1
    _wait_checked(reader.journal)
    import gc
    gc.collect()
    assert len(os.listdir("/proc/self/fd")) <= before + 2


def test_held_enospc_in_the_streamed_compaction_is_one_line_and_keeps_everything(tmp_path: Path) -> None:
    from tests.store.adversarial.faults import ENOSPC, Faulty, injected

    path = tmp_path / "desk.json"
    db = JournalDB(str(path), storage=JournalStorage)
    with db.journal.transaction():
        for n in range(3000):
            db.table("notes").insert({"n": n, "pad": "x" * 600})
    db.journal.compact()
    db.table("notes").insert({"n": 3000})
    for after in (0, 1, 2):
        with injected(Faulty("write", ENOSPC, after=after)), pytest.raises(StoreError) as caught:
            db.journal.compact()
        assert "\n" not in str(caught.value)
        assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]
    db.journal.compact()
    again = JournalDB(str(path), storage=JournalStorage)
    assert len(again.table("notes").all()) == 3001 and check(path).snapshot.state == "ok"


def test_held_a_journal_of_many_megabytes_replays_at_open(tmp_path: Path) -> None:
    from triagedesk.store.journal_format import encode_record

    path = tmp_path / "desk.json"
    JournalDB(str(path), storage=JournalStorage).table("n").insert({"a": 1})
    with open(path.with_name("desk.json.journal"), "ab") as handle:
        handle.write(b"".join(encode_record([["n", str(i), {"i": i, "pad": "q" * 200}]]) for i in range(2, 60002)))
    db = JournalDB(str(path), storage=JournalStorage)
    assert len(db.table("n")) == 60001
    db.table("n").insert({"b": 1})
    assert len(JournalDB(str(path), storage=JournalStorage).table("n")) == 60002


# FINDING 14 ----------------------------------------------------------------------------------------------
def test_finding14_a_journal_record_nested_300_deep_makes_the_store_unopenable_and_unrepairable(
        tmp_path: Path) -> None:
    """A CRC-valid journal line whose document nests 300 deep: orjson reads it (limit 1024) but cannot write it
    (limit 254): `JournalDB`/`open_store` raise TypeError ("Recursion limit reached") from LazyDocs.__setitem__ ->
    _json in `_apply`, `db check` calls the journal ok, and `db repair` raises the same TypeError from
    snapshot_chunks: every command is a traceback and the documented way out is one too."""
    from triagedesk.store.check import repair

    path = tmp_path / "desk.json"
    db = JournalDB(str(path), storage=JournalStorage)
    db.table("notes").insert({"n": 0})
    db.close()
    body = b'[["notes","2",{"x":' + b"[" * 300 + b"]" * 300 + b"}]]"
    with open(path.with_name("desk.json.journal"), "ab") as handle:
        handle.write(b"%08x " % zlib.crc32(body) + body + b"\n")
    journal_ok = check(path).journal.state == "ok"
    try:
        JournalDB(str(path), storage=JournalStorage)
    except StoreError:
        assert not journal_ok, "check calls the journal ok, opening refuses it"
    try:
        repair(path)
    except StoreError:
        pass


# FINDING 15 ----------------------------------------------------------------------------------------------
def test_finding15_opening_finishes_an_interrupted_compaction_over_a_damaged_snapshot(tmp_path: Path) -> None:
    """A compaction stopped between its renames (ENOSPC replacing the journal), then a changed byte in the new
    snapshot: opening (under the lock, `_mismatch` -> `_start_journal`) replaces the journal before the
    snapshot's checksum is known, a write over damage ("nothing is written"); repair still recovers from .prev."""
    from tests.store.adversarial.faults import ENOSPC, Faulty, injected

    path = tmp_path / "desk.json"
    db = JournalDB(str(path), storage=JournalStorage)
    for n in range(20):
        db.table("notes").insert({"n": n})
    db.journal.compact()
    for n in range(20, 30):
        db.table("notes").insert({"n": n})
    with injected(Faulty("replace", ENOSPC, where="desk.json.journal")), pytest.raises(StoreError):
        db.journal.compact()
    db.close()
    journal = path.with_name("desk.json.journal")
    before = journal.read_bytes()
    _damage(path, b'{"n":5}', b'{"n":7}')
    try:
        JournalDB(str(path), storage=JournalStorage).journal.verified()
    except StoreCorrupt:
        pass
    assert journal.read_bytes() == before, "the journal was rewritten over a damaged snapshot"
