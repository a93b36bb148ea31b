"""The snapshot read on demand: a table behaves as the dict it replaces, opening parses no document, any changed
byte is found at open, the older format still opens and is rewritten, and a compaction lets go of what it folded."""

from __future__ import annotations

import os
import zlib
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import triagedesk.store.lazy_docs as lazy_docs
from triagedesk.store.database import open_store
from triagedesk.store.errors import StoreCorrupt
from triagedesk.store.journal_format import APP, META, JournalHeader
from triagedesk.store.lazy_docs import LazyDocs
from triagedesk.store.snapshot_file import MAGIC, _open, decode_snapshot, encode_snapshot
from triagedesk.store.snapshot_table import OpenSnapshot
from triagedesk.store.table import JournalDB, JournalStorage
from triagedesk.store.upgrade import snapshot_crc_ok

INT64 = st.integers(-(2**63), 2**63 - 1)
VALUES = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=4),
                   st.lists(st.integers(0, 3), max_size=2), st.dictionaries(st.text(max_size=2), INT64, max_size=2))
DOCS = st.fixed_dictionaries({"id": st.one_of(st.text(max_size=3), st.integers(0, 3), st.none()),
                              "status": VALUES, "analysis_id": VALUES})


def _snapshot_of(docs: dict[str, dict[str, Any]]) -> LazyDocs:
    meta = {"1": {"app": APP, "schema": 2, "generation": 1}}
    data = encode_snapshot({META: meta, "requests": docs})
    found = _open(OpenSnapshot(None, data, "test"), len(data), verify=True)["requests"]
    assert isinstance(found, LazyDocs)
    return found


class TableMachine(RuleBasedStateMachine):
    """A table read from a snapshot, then written to, answers every question as a plain dict would."""

    @initialize(start=st.dictionaries(st.integers(1, 40).map(str), DOCS, max_size=25))
    def begin(self, start: dict[str, dict[str, Any]]) -> None:
        ordered = dict(sorted(start.items(), key=lambda item: int(item[0])))
        self.model = dict(ordered)
        self.table = _snapshot_of(ordered)

    @rule(key=st.integers(1, 60).map(str), doc=DOCS)
    def put(self, key: str, doc: dict[str, Any]) -> None:
        self.model[key] = doc
        self.table[key] = doc

    @rule(key=st.integers(1, 60).map(str))
    def put_what_json_cannot_hold(self, key: str) -> None:
        with pytest.raises(TypeError):
            self.table[key] = {"id": "x", "n": 2**64}  # refused before anything changes

    @rule(key=st.integers(1, 60).map(str))
    def remove(self, key: str) -> None:
        if key in self.model:
            del self.model[key]
            del self.table[key]
        else:
            with pytest.raises(KeyError):
                del self.table[key]

    @rule(key=st.one_of(st.integers(0, 70).map(str), st.sampled_from(["01", "", "x", "-1", "9" * 30])))
    def ask(self, key: str) -> None:
        assert (key in self.table) == (key in self.model)
        assert self.table.get(key) == self.model.get(key)

    @rule()
    def rewrite(self) -> None:
        """Written again as a snapshot (a compaction) and read back: the same table."""
        self.table = _snapshot_of(dict(self.table.items()))

    @invariant()
    def same_as_the_dict(self) -> None:
        assert len(self.table) == len(self.model)
        assert list(self.table) == list(self.model) or sorted(self.table, key=int) == sorted(self.model, key=int)
        assert dict(self.table.items()) == self.model
        fields = ("id", "status")
        keys, columns = self.table.field_columns(fields)
        assert keys == list(self.table)
        for key, *values in zip(keys, *columns, strict=True):
            doc = self.model[key]
            for field, value in zip(fields, values, strict=True):
                kept = doc.get(field)
                if isinstance(kept, (list, dict)):
                    assert isinstance(value, (list, dict))  # a non-scalar is indexed under no key
                else:
                    assert value == kept and type(value) is type(kept)


TestTableMachine = TableMachine.TestCase
TestTableMachine.settings = settings(max_examples=40, stateful_step_count=25, deadline=None,
                                     suppress_health_check=[HealthCheck.too_slow])


def _store_with(path: Path, count: int) -> None:
    store = open_store(path)
    with store.transaction():
        store.db.table("requests").insert_multiple(
            {"id": f"req-{n}", "analysis_id": f"INC-{n % 7}", "status": "assigned" if n % 3 else "completed",
             "assigned_expert_id": "exp-a", "submitted_at": "2026-01-01T00:00:00Z"} for n in range(count))
        store.db.table("issues").insert_multiple({"id": f"INC-{n}", "title": f"t{n}"} for n in range(7))
    store.journal.compact()
    store.close()


def test_opening_and_building_the_indexes_parses_no_document(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "desk.json"
    _store_with(path, 300)
    parsed: list[bytes] = []
    real = orjson.loads

    def counting(data: Any) -> Any:
        parsed.append(bytes(data[:1]))
        return real(data)

    monkeypatch.setattr(lazy_docs.orjson, "loads", counting)
    store = open_store(path)
    journal = store.journal
    assert journal.id_index("requests")["req-5"] == "6"
    held = journal._installed().field("requests", journal.tables["requests"])
    assert sorted(held.of("status").ids("completed"), key=int)[:2] == ["1", "4"]
    assert len(held.of("analysis_id").ids("INC-3")) == 43
    assert parsed.count(b"{") == 1 and parsed[0] == b"{", parsed  # the directory; then only lists (columns)
    assert set(parsed[1:]) == {b"["}
    assert [d["id"] for d in journal.lookup("requests", "analysis_id", "INC-3")][:2] == ["req-3", "req-10"]
    assert parsed.count(b"{") == 1 + 43  # a lookup parses what it returns, nothing else
    store.close()


def test_every_changed_byte_of_a_snapshot_is_found_before_a_write(tmp_path: Path) -> None:
    """The directory's own checksum is checked at open; the whole file's on a thread, which every write waits
    for: a flipped byte anywhere is refused at open or at the first write, never written over."""
    path = tmp_path / "desk.json"
    _store_with(path, 4)
    good = path.read_bytes()
    assert good.startswith(MAGIC)
    refused_at_open = 0
    for at in range(len(good)):
        path.write_bytes(good[:at] + bytes([good[at] ^ 0x04]) + good[at + 1:])
        with pytest.raises(StoreCorrupt) as caught:
            try:
                db = JournalDB(str(path), storage=JournalStorage)
            except StoreCorrupt:
                refused_at_open += 1
                raise
            db.table("probe").insert({"n": 1})
        assert "db repair" in str(caught.value) and "\n" not in str(caught.value), at
    assert 0 < refused_at_open < len(good)  # the directory and its pointer at open, the records at the write
    path.write_bytes(good)
    db = JournalDB(str(path), storage=JournalStorage)
    db.table("probe").insert({"n": 1})
    assert len(db.journal.tables["requests"]) == 4


def test_opening_does_not_wait_for_the_checksum_but_a_write_does(tmp_path: Path, monkeypatch) -> None:
    import threading

    import triagedesk.store.checksum as generations

    path = tmp_path / "desk.json"
    _store_with(path, 4)
    release = threading.Event()
    real = generations.verify_snapshot

    def slow(handle, size):
        release.wait(10)
        real(handle, size)

    monkeypatch.setattr(generations, "verify_snapshot", slow)
    db = JournalDB(str(path), storage=JournalStorage)  # returns while the checksum is still being read
    assert db.journal.verification is not None and db.table("requests").get(doc_id=1)["id"] == "req-0"
    writer = threading.Thread(target=lambda: db.table("probe").insert({"n": 1}))
    writer.start()
    writer.join(0.3)
    assert writer.is_alive(), "the write did not wait for the checksum"
    release.set()
    writer.join(10)
    assert not writer.is_alive() and db.table("probe").all() == [{"n": 1}]
    assert db.journal.verification is None


def _older_format(tables: dict[str, Any]) -> bytes:
    """A snapshot as triagedesk wrote it before format 3: plain TinyDB JSON, its CRC-32 first in `_meta`."""
    prefix = b'{"_meta":{"1":{"crc":"'
    meta = tables[META]["1"]
    rest = {name: docs for name, docs in tables.items() if name != META}
    tail = b'00000000",' + orjson.dumps(meta)[1:] + b"}," + orjson.dumps(rest)[1:]
    return prefix + b"%08x" % zlib.crc32(tail, zlib.crc32(prefix)) + tail[8:]


def test_a_snapshot_of_the_older_format_opens_and_the_next_compaction_rewrites_it(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    header = JournalHeader.new(1)
    docs = {"1": {"id": "req-1", "analysis_id": "INC-1", "status": "assigned"},
            "2": {"id": "req-2", "analysis_id": ["odd"], "status": "completed"}}
    raw = _older_format({META: {"1": {"app": APP, "schema": 2, "generation": 1, "journal_salt": header.salt}},
                         "requests": docs})
    assert snapshot_crc_ok(raw) is True
    path.write_bytes(raw)
    path.with_name("desk.json.journal").write_bytes(header.encode())
    db = JournalDB(str(path), storage=JournalStorage)
    assert dict(db.journal.tables["requests"].items()) == docs
    db.table("requests").insert({"id": "req-3", "analysis_id": "INC-2", "status": "new"})
    db.journal.compact()
    assert path.read_bytes().startswith(MAGIC)
    again = JournalDB(str(path), storage=JournalStorage)
    assert [d["id"] for d in again.table("requests").all()] == ["req-1", "req-2", "req-3"]
    assert decode_snapshot(path.read_bytes())["requests"]["2"]["analysis_id"] == ["odd"]


def test_opening_a_store_of_the_older_format_rewrites_it_once(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    header = JournalHeader.new(1)
    docs = {"1": {"id": "INC-1", "title": "kept", "_updated_at": "2026-01-01T00:00:00Z"}}
    path.write_bytes(_older_format({META: {"1": {"app": APP, "schema": 2, "generation": 1,
                                                   "journal_salt": header.salt}}, "issues": docs}))
    path.with_name("desk.json.journal").write_bytes(header.encode())
    store = open_store(path)
    assert path.read_bytes().startswith(MAGIC)
    assert store.issues.get("INC-1").title == "kept"
    store.close()
    assert open_store(path).issues.get("INC-1").title == "kept"


def test_the_older_format_is_read_once_by_its_upgrade_and_never_again(tmp_path: Path, monkeypatch) -> None:
    import triagedesk.store.upgrade as upgrade

    path = tmp_path / "desk.json"
    header = JournalHeader.new(1)
    docs = {"1": {"id": "INC-1", "title": "kept", "_updated_at": "2026-01-01T00:00:00Z"}}
    path.write_bytes(_older_format({META: {"1": {"app": APP, "schema": 2, "generation": 1,
                                                   "journal_salt": header.salt}}, "issues": docs}))
    path.with_name("desk.json.journal").write_bytes(header.encode())
    reads: list[int] = []
    real = upgrade.decode_json_snapshot
    monkeypatch.setattr(upgrade, "decode_json_snapshot", lambda raw: (reads.append(1), real(raw))[1])
    for _ in range(3):
        db = JournalDB(str(path), storage=JournalStorage)
        assert db.table("issues").get(doc_id=1) == docs["1"]
        db.close()
    assert reads == [1] and path.read_bytes().startswith(MAGIC)


def test_a_damaged_older_format_snapshot_is_refused_and_left_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    header = JournalHeader.new(1)
    raw = bytearray(_older_format({META: {"1": {"app": APP, "schema": 2, "generation": 1,
                                                  "journal_salt": header.salt}}, "issues": {"1": {"id": "a"}}}))
    raw[-5] ^= 1
    path.write_bytes(bytes(raw))
    path.with_name("desk.json.journal").write_bytes(header.encode())
    with pytest.raises(StoreCorrupt, match="checksum mismatch"):
        JournalDB(str(path), storage=JournalStorage)
    assert path.read_bytes() == bytes(raw)


def test_a_compaction_lets_go_of_what_it_folded_in(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    db = JournalDB(str(path), storage=JournalStorage)
    notes = db.table("notes")
    for n in range(50):
        notes.insert({"n": n, "text": "x" * 100})
    held = db.journal.tables["notes"]
    assert isinstance(held, LazyDocs) and len(held.changed) == 50  # written since the snapshot: in memory
    db.journal.compact()
    rebased = db.journal.tables["notes"]
    assert isinstance(rebased, LazyDocs) and rebased.changed == {} and rebased.base is not None
    assert [d["n"] for d in notes.all()] == list(range(50))
    notes.update({"text": "y"}, doc_ids=[3])
    assert notes.get(doc_id=3) == {"n": 2, "text": "y"} and len(rebased.changed) == 1  # doc_ids start at 1
    assert JournalDB(str(path), storage=JournalStorage).table("notes").get(doc_id=3)["text"] == "y"


def test_a_document_read_and_changed_by_a_caller_is_not_changed_in_the_store(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    _store_with(path, 3)
    store = open_store(path)
    found = store.journal.lookup("requests", "analysis_id", "INC-1")[0]
    found["status"] = "tampered"
    assert store.journal.lookup("requests", "analysis_id", "INC-1")[0]["status"] == "assigned"
    store.close()


def test_the_snapshot_stays_open_for_its_records_while_another_process_compacts(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    _store_with(path, 20)
    reader = open_store(path)
    table = reader.journal.tables["requests"]
    writer = open_store(path)
    writer.db.table("requests").insert({"id": "req-new", "analysis_id": "INC-1", "status": "new"})
    writer.journal.compact()
    os.unlink(path.with_name("desk.json.prev"))  # the old snapshot's name is gone; its file is still open here
    assert table["1"]["id"] == "req-0"
    assert reader.journal.lookup("requests", "analysis_id", "INC-1")[-1]["id"] == "req-new"
    reader.close()
    writer.close()


def test_the_experts_figures_counted_from_stored_columns_equal_those_from_every_request(tmp_path: Path) -> None:
    from triagedesk.app.desk import Desk
    from triagedesk.domain.models import Expert
    from triagedesk.domain.requests import performance

    path = tmp_path / "desk.json"
    store = open_store(path)
    store.experts.put_many([Expert(id=f"exp-{n}", name=f"E{n}", specializations=["db"]) for n in range(3)])
    with store.transaction():
        store.db.table("requests").insert_multiple(
            {"id": f"req-{n}", "analysis_id": f"INC-{n}", "assigned_expert_id": f"exp-{n % 3}",
             "status": ("completed", "assigned", "refunded", "in_review")[n % 4],
             "assigned_at": "2026-01-01T00:00:00Z", "completed_at": f"2026-01-01T0{n % 9}:30:00Z",
             "rating": [5, 3, {"x": 1}, None][n % 4], "submitted_at": "2026-01-01T00:00:00Z"} for n in range(40))
    store.journal.compact()
    store.db.table("requests").update({"status": "completed", "rating": 1}, doc_ids=[2])  # written since
    store.close()
    desk = Desk(open_store(path))
    counted = {e.id: e for e in list(desk.figures.counted().values())}
    expected = performance.figures(desk.store.experts.all(), desk.store.requests.table.raw_docs())
    assert len(counted) == 3 and counted == expected
    assert sum(e.current_workload for e in counted.values()) == 19 and counted["exp-1"].completed_reviews > 0
