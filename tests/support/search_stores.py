"""The issue search's tests' shared steps: random issues and requests folded into a snapshot, raw writes on top,
and a search asked through a reader (tests/app/test_search_*.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from tests.support.compacting import compacted
from triagedesk.app import search_index
from triagedesk.domain.models import Issue
from triagedesk.domain.records import ExpertRequest
from triagedesk.store.database import open_store
from triagedesk.store.reader import StoreReader
from triagedesk.store.repositories import Store

T0 = datetime(2026, 3, 1, tzinfo=UTC)
WORDS = ["disk", "Full", "outage", "İstanbul", "ann", "Ann Lee", "user-1", "DB", "", "ß"]
NEEDLES = ["disk", "full", "disk full", "ann ann", "ann lee", "lee ann", "ann user", "user-1", "i̇stanbul", "ul",
           "", " ", "inc-1", "b", "1 u", "outage"]
texts = st.lists(st.sampled_from(WORDS), max_size=3).map(" ".join)
keys = st.integers(0, 6).map(lambda n: f"INC-{n}")

issue_docs = st.fixed_dictionaries({"id": keys, "title": st.one_of(texts, st.just(["disk", "x"]), st.none()),
                                    "description": texts, "profile": st.just("infrastructure"),
                                    "created_at": st.integers(0, 3).map(lambda h: f"2026-03-01T0{h}:00:00Z")})
request_docs = st.fixed_dictionaries({
    "id": st.integers(0, 99).map(lambda n: f"req-{n}"), "analysis_id": st.one_of(keys, st.none()),
    "submitted_at": st.integers(0, 2).map(lambda h: f"2026-03-01T0{h}:00:00Z"),
    "user_id": st.sampled_from(["", "user-1", "ann"]), "assigned_expert_id": st.sampled_from([None, "ann", "bob"]),
    "assigned_expert_name": st.sampled_from([None, "Ann Lee", "ann"]),
    "status": st.sampled_from(["assigned", "completed"])})
writes = st.lists(st.tuples(st.sampled_from(["issues", "requests"]), st.sampled_from(["put", "remove", "add"]),
                            st.integers(0, 20), st.one_of(issue_docs, request_docs)), max_size=6)


def fill(store: Store, draw: Any) -> None:
    store.issues.put_many([Issue(id=f"INC-{n}", title=draw(texts), description=draw(texts), profile="infrastructure",
                                 created_at=T0 + timedelta(hours=draw(st.integers(0, 3))))
                           for n in range(draw(st.integers(0, 7)))])
    store.requests.put_many([ExpertRequest(
        id=f"req-{k}", analysis_id=f"INC-{draw(st.integers(0, 7))}", submitted_at=T0 + timedelta(hours=k % 3),
        user_id=draw(st.sampled_from(["", "user-1", "ann"])),
        assigned_expert_id=draw(st.sampled_from([None, "ann", "bob"])),
        assigned_expert_name=draw(st.sampled_from([None, "Ann Lee", "ann"])),
        status=draw(st.sampled_from(["assigned", "completed"]))) for k in range(draw(st.integers(0, 8)))])


def write(store: Store, changes: list[tuple[str, str, int, dict[str, Any]]]) -> None:
    """Raw writes on top of the snapshot (what another client or an older version may leave)."""
    journal = store.journal
    with journal.transaction():
        for table, how, pick, doc in changes:
            held = sorted(journal.docs(table), key=int)
            if how == "add" or not held:
                journal.put(table, str(journal.docs(table).max_id() + 1), dict(doc))
            elif how == "remove":
                journal.put(table, held[pick % len(held)], None)
            else:
                journal.put(table, held[pick % len(held)], dict(doc))


def answer(path: Path, needle: str, limit: int) -> list[Any]:
    reader = StoreReader(path)
    try:
        found = search_index.search(reader, needle, limit)
        assert found is not None
        return found[0]
    finally:
        reader.close()


def build(path: Path) -> Store:
    store = open_store(path)
    store.issues.put_many([Issue(id=f"INC-{n}", title=f"printer outage {n}", description="x" * 300,
                                 profile="infrastructure", created_at=T0 + timedelta(minutes=n))
                           for n in range(400)])
    store.requests.put_many([ExpertRequest(id=f"req-{n}", analysis_id=f"INC-{n}", submitted_at=T0,
                                           user_id="ann") for n in range(0, 400, 7)])
    compacted(store.journal)
    return store
