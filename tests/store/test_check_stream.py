"""`db check` walks the snapshot's records one at a time (never decodes a snapshot whole), and still finds an
invalid record and a damaged byte (the whole damage matrix runs on it: tests/store/adversarial)."""

from __future__ import annotations

from pathlib import Path

import pytest

from triagedesk.domain.models import Issue
from triagedesk.store import found as check_module
from triagedesk.store.check import check, read_snapshot
from triagedesk.store.database import open_store
from triagedesk.store.lazy_docs import LazyDocs


@pytest.fixture
def never_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(raw: bytes) -> None:
        raise AssertionError("a snapshot of the current format was decoded whole")

    monkeypatch.setattr(check_module, "decode_json_snapshot", refuse)


def store_with(path: Path, count: int) -> None:
    store = open_store(path)
    store.issues.put_many([Issue(id=f"INC-{n}", title=f"t{n}") for n in range(count)])
    store.journal.compact()
    store.close()


def test_a_healthy_store_is_checked_record_by_record(tmp_path: Path, never_whole: None) -> None:
    path = tmp_path / "desk.json"
    store_with(path, 50)
    found = read_snapshot(path)
    assert found.tables is not None and isinstance(found.tables["issues"], LazyDocs)
    report = check(path)
    assert report.ok and report.counts["issues"] == 50


def test_an_invalid_record_and_a_flipped_byte_are_still_found(tmp_path: Path, never_whole: None) -> None:
    path = tmp_path / "desk.json"
    store_with(path, 5)
    store = open_store(path)
    doc_id = store.journal.doc_id_of("issues", "INC-2")
    assert doc_id is not None
    with store.journal.transaction():
        store.db.table("issues").update({"users_affected": "lots"}, doc_ids=[int(doc_id)])
    store.journal.compact()
    store.close()
    report = check(path)
    assert not report.ok
    assert [bad.record_id for bad in report.invalid] == ["INC-2"]
    data = bytearray(path.read_bytes())
    at = data.index(b'"INC-3"')
    data[at + 2] ^= 0x01
    path.write_bytes(bytes(data))
    report = check(path)
    assert report.snapshot.state == "damaged" and "checksum" in report.snapshot.problem
