"""`db check` validates every record on two cores (a forked worker takes every other batch) and finds exactly what
`validity.scan` finds in one process, in the same order: random tables of valid and invalid records, held as
documents or as stored JSON, and a real store's snapshot plus journal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triagedesk.domain.models import Issue
from triagedesk.store import scan_split, validity
from triagedesk.store.check import check
from triagedesk.store.database import open_store
from triagedesk.store.lazy_docs import LazyDocs

STAMP = "2026-01-01T00:00:00Z"


def issue(n: int, how: str) -> Any:
    doc: Any = {**Issue(id=f"INC-{n}", title=f"t{n}").model_dump(mode="json"), "_updated_at": STAMP}
    if how == "wrong type":
        doc["users_affected"] = "lots"
    elif how == "unknown field":
        doc["colour"] = "red"
    elif how == "other store field":
        doc["_rev"] = "1-a"
    elif how == "underscore in a value":
        doc["title"] = '"_quoted" title'
    elif how == "no store field":
        del doc["_updated_at"]
    elif how == "not an object":
        doc = ["INC", n]
    elif how == "store field only, invalid":
        doc["id"] = 5
    return doc


HOWS = ["valid", "valid", "valid", "wrong type", "unknown field", "other store field", "underscore in a value",
        "no store field", "not an object", "store field only, invalid"]


@settings(max_examples=60, deadline=None)
@given(kinds=st.lists(st.lists(st.sampled_from(HOWS), max_size=40), min_size=1, max_size=3),
       batch=st.integers(1, 7), lazy=st.booleans())
def test_two_cores_find_what_one_finds_in_the_same_order(kinds: list[list[str]], batch: int, lazy: bool) -> None:
    tables: dict[str, Any] = {}
    for name, hows in zip(("issues", "audit", "requests"), kinds, strict=False):
        docs = {str(n + 1): issue(n, how) for n, how in enumerate(hows)}
        tables[name] = LazyDocs.of(docs) if lazy else docs
    expected = validity.scan(tables)
    assert scan_split.scan(tables, batch) == expected
    assert [bad for _, _, bad in scan_split._scan(tables, batch, None)] == expected


def test_a_store_checked_on_two_cores_names_every_invalid_record(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    store = open_store(path)
    store.issues.put_many([Issue(id=f"INC-{n}", title=f"t{n}") for n in range(30)])
    store.journal.compact()
    with store.journal.transaction():  # invalid records in the snapshot and after it, in the journal
        for n in (3, 17, 29):
            doc_id = store.journal.doc_id_of("issues", f"INC-{n}")
            assert doc_id is not None
            store.db.table("issues").update({"users_affected": "lots"}, doc_ids=[int(doc_id)])
    store.journal.compact()
    store.db.table("issues").insert({"id": "INC-30", "title": 7})
    store.close()
    report = check(path)
    tables = report.recoverable.tables if report.recoverable else {}
    assert len(tables["issues"]) == 31
    assert [bad.record_id for bad in report.invalid] == ["INC-3", "INC-17", "INC-29", "INC-30"]
    assert scan_split.scan(tables, 4) == validity.scan(tables) == report.invalid


def test_a_process_with_another_thread_validates_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    forked: list[int] = []

    def fork() -> int:
        forked.append(1)
        return 0

    monkeypatch.setattr(scan_split.os, "fork", fork)
    tables = {"issues": {str(n): issue(n, "valid" if n % 3 else "wrong type") for n in range(1, 20)}}
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert scan_split.scan(tables, 4) == validity.scan(tables)
    finally:
        stop.set()
        other.join()
    assert forked == []
