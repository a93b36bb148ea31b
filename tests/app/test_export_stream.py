"""The streamed export is the export that loaded every record first, byte for byte, in every format: random
issues (any text, floats), records written since the snapshot and folded into it, and records the models
cannot load (left out and told, as before)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.strategies import issues
from triagedesk.app.exporting import export_chunks
from triagedesk.domain.models import Issue
from triagedesk.formats.transfer import export_rows
from triagedesk.store.database import open_store
from triagedesk.store.repositories import Store


def loaded_whole(store: Store, kind: str, fmt: str) -> str:
    repository = store.repository(kind)
    return "".join(export_rows(repository.all(), fmt, repository.model))  # type: ignore[arg-type]


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(first=st.lists(issues, max_size=5, unique_by=lambda i: i.id),
       then=st.lists(issues, max_size=3, unique_by=lambda i: i.id), fold=st.booleans())
def test_streamed_export_equals_the_loaded_one(tmp_path_factory, first: list[Issue], then: list[Issue],
                                               fold: bool) -> None:
    store = open_store(tmp_path_factory.mktemp("ex") / "desk.json")
    try:
        store.issues.put_many(first)
        if fold:
            store.journal.compact()
        store.issues.put_many(then)
        for fmt in ("jsonl", "json", "csv"):
            streamed = b"".join(export_chunks(store, "issues", fmt)).decode()  # type: ignore[arg-type]
            assert streamed == loaded_whole(store, "issues", fmt)
    finally:
        store.close()


def test_a_record_the_model_cannot_load_is_left_out_and_told(tmp_path: Path) -> None:
    store = open_store(tmp_path / "desk.json")
    told: list[str] = []
    store.on_skip = told.append
    try:
        store.issues.put_many([Issue(id=f"INC-{n}", title=f"t{n}", users_affected=n) for n in range(3)])
        doc_id = store.journal.doc_id_of("issues", "INC-1")
        assert doc_id is not None
        with store.journal.transaction():
            store.db.table("issues").update({"users_affected": "lots"}, doc_ids=[int(doc_id)])
        store.journal.compact()
        streamed = b"".join(export_chunks(store, "issues", "jsonl")).decode()
        assert [line.split('"id":"')[1][:5] for line in streamed.splitlines()] == ["INC-0", "INC-2"]
        assert told and "INC-1" in told[0]
        assert streamed == loaded_whole(store, "issues", "jsonl")
    finally:
        store.close()


def test_many_records_come_in_chunks(tmp_path: Path) -> None:
    store = open_store(tmp_path / "desk.json")
    try:
        store.issues.put_many([Issue(id=f"INC-{n}", title="x" * 2000) for n in range(1200)])
        chunks = list(export_chunks(store, "issues", "jsonl"))
        assert len(chunks) >= 2
        assert b"".join(chunks).decode() == loaded_whole(store, "issues", "jsonl")
    finally:
        store.close()


def test_a_damaged_snapshot_lets_nothing_out(tmp_path: Path) -> None:
    import pytest

    from triagedesk.app.reading import open_reading
    from triagedesk.store.errors import StoreCorrupt

    path = tmp_path / "desk.json"
    store = open_store(path)
    store.issues.put_many([Issue(id=f"INC-{n}", title="x" * 500) for n in range(3000)])
    store.journal.compact()
    store.close()
    data = bytearray(path.read_bytes())
    at = data.index(b'"INC-2999"')
    data[at + 3] ^= 0x01  # a record late in the file: the export has read and formatted much before it
    path.write_bytes(bytes(data))
    reading = open_reading(path)
    out: list[bytes] = []
    try:
        with pytest.raises(StoreCorrupt, match="checksum"):
            for chunk in reading.export("issues", "jsonl"):
                out.append(chunk)
    finally:
        reading.close()
    assert out == []
