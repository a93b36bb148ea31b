"""The issue search from the stored columns finds exactly what reading every record finds (random issues and
requests, needles that span two joined values, odd cells the columns cannot hold, folded or not)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triagedesk.app.issue_search import _holding, scan, search
from triagedesk.domain.models import Issue
from triagedesk.domain.records import ExpertRequest
from triagedesk.store.database import open_store
from triagedesk.store.reader import StoreReader

T0 = datetime(2026, 3, 1, tzinfo=UTC)
WORDS = ["disk", "Full", "outage", "İstanbul", "ann", "Ann Lee", "user-1", "DB", "", "ß"]
NEEDLES = ["disk", "full", "disk full", "ann ann", "ann lee", "lee ann", "ann user", "bob ann", "user-1", "i̇stanbul",
           "ul", "", " ", "inc-1", "b", "1 u"]

texts = st.lists(st.sampled_from(WORDS), max_size=3).map(" ".join)


@st.composite
def stores(draw: Any) -> tuple[list[Issue], list[ExpertRequest]]:
    issues = [Issue(id=f"INC-{n}", title=draw(texts), description=draw(texts), profile="infrastructure",
                    created_at=T0 + timedelta(hours=draw(st.integers(0, 3))))
              for n in range(draw(st.integers(0, 8)))]
    requests = [ExpertRequest(
        id=f"req-{k}", analysis_id=f"INC-{draw(st.integers(0, 8))}", submitted_at=T0 + timedelta(hours=k % 3),
        user_id=draw(st.sampled_from(["", "user-1", "ann"])),
        assigned_expert_id=draw(st.sampled_from([None, "ann", "bob"])),
        assigned_expert_name=draw(st.sampled_from([None, "Ann Lee", "ann"])),
        status=draw(st.sampled_from(["assigned", "completed"]))) for k in range(draw(st.integers(0, 8)))]
    return issues, requests


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stores(), st.lists(st.sampled_from(NEEDLES), min_size=1, max_size=4), st.booleans(), st.integers(1, 9))
def test_search_equals_the_scan(tmp_path: Path, data: tuple[list[Issue], list[ExpertRequest]], needles: list[str],
                                folded: bool, limit: int) -> None:
    issues, requests = data
    store = open_store(tmp_path / f"desk-{len(list(tmp_path.iterdir()))}.json")
    try:
        store.issues.put_many(issues)
        store.requests.put_many(requests)
        if folded:
            store.journal.compact()
        reader = StoreReader(store.path)  # what `search` reads through: no model, spans checked, lean lookups
        try:
            for needle in needles:
                expected = scan(store, needle, limit)
                assert search(store, needle, limit) == expected
                assert search(reader, needle, limit) == expected
        finally:
            reader.close()
    finally:
        store.close()


def test_a_title_the_columns_cannot_hold_is_read_from_its_record(tmp_path: Path) -> None:
    store = open_store(tmp_path / "desk.json")
    try:
        store.issues.put_many([Issue(id="INC-1", title="router", profile="infrastructure", created_at=T0)])
        doc_id = store.journal.doc_id_of("issues", "INC-1")
        assert doc_id is not None
        with store.journal.transaction():
            store.db.table("issues").update({"title": ["disk", "outage"]}, doc_ids=[int(doc_id)])
        store.journal.compact()
        found = search(store, "outage", 10)
        assert [f.issue_id for f in found] == ["INC-1"]
        assert found == scan(store, "outage", 10)
    finally:
        store.close()


def test_holding_maps_matches_to_their_rows() -> None:
    column = ["Disk full", None, "", "no", "full disk, disk", "İx disk"]
    assert _holding(column, "disk") == [0, 4, 5]
    assert _holding(column, "full") == [0, 4]
    assert _holding(["a", "b"], "a\x00b") == []
    assert _holding([1, "disk"], "1") == [0]


def test_a_needle_across_two_joined_values_is_found(tmp_path: Path) -> None:
    store = open_store(tmp_path / "desk.json")
    try:
        store.issues.put_many([Issue(id=f"INC-{n}", title="t", profile="infrastructure", created_at=T0)
                               for n in (1, 2)])
        store.requests.put_many([
            ExpertRequest(id="req-1", analysis_id="INC-1", submitted_at=T0, assigned_expert_id="ann",
                          assigned_expert_name="Ann Lee"),
            ExpertRequest(id="req-2", analysis_id="INC-2", submitted_at=T0, user_id="bob"),
            ExpertRequest(id="req-3", analysis_id="INC-2", submitted_at=T0, user_id="cat")])
        for needle, where in (("lee ann", "assignee"), ("bob cat", "requester")):
            found = search(store, needle, 10)
            assert [f.where for f in found] == [where]
            assert found == scan(store, needle, 10)
    finally:
        store.close()
