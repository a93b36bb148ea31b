"""A pull page's new records are written together (one table write a kind), as record-by-record writes stored them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.sync_desks import replicator, seed_desk
from triagedesk.domain.models import Issue
from triagedesk.store.database import open_store
from triagedesk.store.table import JournalTable
from triagedesk.sync.engine import SyncResult
from triagedesk.sync.wire import shape_of, wire_doc


def page(source: Path, revision: str = "1-a") -> list[dict[str, Any]]:
    """The issues of `source` as a server hands them in a page of changes."""
    store = open_store(source)
    docs = [{**wire_doc("issues", shape_of(Issue), doc), "_rev": revision} for doc in store.issues.raw()]
    store.close()
    assert len(docs) > 100
    return docs


def test_a_page_of_new_records_is_one_table_write_and_stores_every_record(tmp_path: Path, db_url: str,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    seed_desk(tmp_path / "a.json", 150)
    docs = page(tmp_path / "a.json")
    writes: list[int] = []
    insert_multiple = JournalTable.insert_multiple

    def one_by_one(self: JournalTable, document: Any) -> int:
        raise AssertionError("a pulled record written on its own")

    def together(self: JournalTable, documents: Any) -> list[int]:
        documents = list(documents)
        writes.append(len(documents))
        return insert_multiple(self, documents)

    monkeypatch.setattr(JournalTable, "insert", one_by_one)
    monkeypatch.setattr(JournalTable, "insert_multiple", together)
    puller = replicator(tmp_path / "b.json", db_url)
    result = SyncResult()
    puller._apply(docs, result)
    assert len(docs) in writes  # the issues in one write (the sync state is another table)
    monkeypatch.undo()
    puller.replica.store.close()
    store = open_store(tmp_path / "b.json")
    held = {doc["id"]: doc for doc in store.issues.raw()}
    assert set(held) == {f"i{n}" for n in range(150)} and result.pulled == 150
    assert all(store.journal.id_index("issues").get(key) is not None for key in held)
    assert store.issues.require("i7").title == "Teapot 7"
    store.close()


def test_the_same_record_twice_in_a_page_is_stored_once_with_its_later_revision(tmp_path: Path,
                                                                                db_url: str) -> None:
    seed_desk(tmp_path / "a.json", 120)
    first, later = page(tmp_path / "a.json", "1-a"), page(tmp_path / "a.json", "2-b")
    twice = next(doc for doc in later if doc["_id"] == "issues:i3")
    twice["data"] = {**twice["data"], "title": "Teapot 3, second revision"}
    puller = replicator(tmp_path / "b.json", db_url)
    result = SyncResult()
    puller._apply([*first, twice], result)
    assert result.conflicts == 0  # the later revision replaces the one this page took, not by a content hash
    puller.replica.store.close()
    store = open_store(tmp_path / "b.json")
    found = [doc for doc in store.issues.raw() if doc["id"] == "i3"]
    assert len(found) == 1 and found[0]["title"] == "Teapot 3, second revision"
    assert len(list(store.issues.raw())) == 120
    store.close()
