"""Typed repositories: models in and out, ids, UTC timestamps, every change audited in the same write."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from triagedesk.domain.models import Issue
from triagedesk.domain.records import ExpertRequest
from triagedesk.store.database import open_store
from triagedesk.store.errors import StoreError
from triagedesk.store.journal_format import decode_record


def test_create_update_delete_are_audited(tmp_path: Path) -> None:
    store = open_store(tmp_path / "desk.json")
    store.issues.add(Issue(id="INC-1", title="Disk full"), actor="ana")
    issue = store.issues.require("INC-1")
    store.issues.save(issue.model_copy(update={"title": "Disk full on db-1"}), actor="ben")
    assert store.issues.delete("INC-1", actor="cy")
    history = store.history("INC-1")
    assert [(a.actor, a.action) for a in history] == [("ana", "create"), ("ben", "update"), ("cy", "delete")]
    assert history[1].before == {"title": "Disk full"} and history[1].after == {"title": "Disk full on db-1"}
    assert all(a.at.tzinfo is not None for a in history)
    # the record and its audit entry are one journal line: one durable write
    lines = store.journal.journal_path.read_bytes().split(b"\n")[1:-1]
    update = decode_record(lines[1])
    assert update is not None and {op[0] for op in update} == {"issues", "audit"}


def test_ids_and_timestamps(tmp_path: Path) -> None:
    store = open_store(tmp_path / "desk.json")
    request = ExpertRequest(analysis_id="INC-1", submitted_at=datetime(2026, 1, 5, 9, 0))
    stored = store.requests.add(request)
    assert stored.id.startswith("req-")
    again = store.requests.require(stored.id)
    assert again.submitted_at == datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    raw = store.requests.raw()[0]
    assert raw["submitted_at"] == "2026-01-05T09:00:00Z" and raw["_updated_at"].endswith("Z")
    with pytest.raises(StoreError, match="already exists"):
        store.requests.add(request.model_copy(update={"id": stored.id}))
    with pytest.raises(StoreError, match="no request 'nope'"):
        store.requests.require("nope")


def test_failed_transaction_leaves_nothing(tmp_path: Path) -> None:
    store = open_store(tmp_path / "desk.json")
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.issues.add(Issue(id="INC-1"))
            raise RuntimeError("boom")
    assert store.issues.get("INC-1") is None
    assert open_store(tmp_path / "desk.json").issues.get("INC-1") is None


def test_put_many_counts_and_replaces(tmp_path: Path) -> None:
    store = open_store(tmp_path / "desk.json")
    assert store.issues.put_many([Issue(id="a"), Issue(id="b")]) == (2, 0)
    assert store.issues.put_many([Issue(id="b", title="new"), Issue(id="c")]) == (1, 1)
    assert store.issues.require("b").title == "new"
    assert len(store.issues) == 3


def test_tinydb_queries_still_work(tmp_path: Path) -> None:
    from tinydb import Query

    store = open_store(tmp_path / "desk.json")
    store.issues.put_many([Issue(id=f"i{n}", users_affected=n) for n in range(10)])
    table = store.db.table("issues")
    assert len(table.search(Query().users_affected >= 7)) == 3
    table.update({"title": "big"}, Query().users_affected >= 8)
    reopened = open_store(tmp_path / "desk.json")
    assert sorted(i.id for i in reopened.issues.all() if i.title == "big") == ["i8", "i9"]
