"""The knowledge index built ahead in chunks outside the journal's mutex (the desk's warm-up) equals the one the
first search builds; a change while it is built (another process's, caught up meanwhile) leaves the building to
the first search, which finds the change."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from triagedesk.domain.insight.knowledge import KnowledgeIndex, search, terms_of_document
from triagedesk.domain.records import KnowledgeEntry
from triagedesk.store import warming
from triagedesk.store.database import open_store
from triagedesk.store.indexes import knowledge_of
from triagedesk.store.lazy_docs import LazyDocs
from triagedesk.store.repositories import Store

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
WORDS = ["disk", "full", "database", "outage", "silver", "teapot", "router", "vpn", "dial", "backup"]
QUERIES = ["disk full", "database outage router", "silver teapot dial", "vpn", "backup disk silver vpn", "zebra"]


def folded(tmp_path: Path, count: int = 120) -> Path:
    """A store whose knowledge base lies in its snapshot (stored columns, as at 100k after a fold)."""
    path = tmp_path / "desk.json"
    store = open_store(path)
    store.knowledge.put_many([KnowledgeEntry(id=f"kb-{n:03d}", issue_id="INC-1", title=" ".join(
        WORDS[(n * k) % len(WORDS)] for k in (1, 3, 7)), problem=WORDS[n % len(WORDS)], created_at=T0)
        for n in range(count)])
    store.journal.compact()
    store.close()
    return path


def hits(store: Store, query: str) -> list[tuple[str, float, tuple[str, ...]]]:
    return [(h.entry.id, h.score, h.matched) for h in store.search_knowledge(query, 4)]


def scanned(store: Store, query: str) -> list[tuple[str, float, tuple[str, ...]]]:
    return [(h.entry.id, h.score, h.matched) for h in search(store.knowledge.all(), query, 4)]


def test_built_ahead_equals_what_the_first_search_builds(tmp_path: Path) -> None:
    path = folded(tmp_path)
    ahead, lazy = open_store(path), open_store(path)
    assert isinstance(ahead.journal.records.raw.get("knowledge"), LazyDocs)
    warming.knowledge(ahead.journal, lambda: None)
    assert ahead.journal.indexes is not None and ahead.journal.indexes.knowledge is not None
    assert len(ahead.journal.indexes.knowledge) == 120
    for query in QUERIES:
        assert hits(ahead, query) == hits(lazy, query) == scanned(lazy, query)
    assert hits(ahead, "disk full"), "the query shares words with entries: hits expected"


def test_built_in_steps_with_a_pause_between_each(tmp_path: Path) -> None:
    """From the snapshot's columns in steps (a pause after each); from the columns of documents written since
    the snapshot, in chunks: both rank as an index of every parsed document does."""
    store = open_store(folded(tmp_path))
    store.knowledge.put_many([KnowledgeEntry(id=f"kb-x{n}", issue_id="INC-2", title=f"disk vpn {WORDS[n % 10]}",
                                             created_at=T0) for n in range(30)])
    docs = store.journal.records.raw["knowledge"]
    unsnapshotted = LazyDocs.of(dict(docs.items()))
    pauses: list[int] = []
    stepped = knowledge_of(docs, lambda: pauses.append(1))
    assert len(pauses) == 3
    chunked = knowledge_of(unsnapshotted, lambda: pauses.append(2), chunk=7)
    assert pauses.count(2) == (150 - 1) // 7
    whole = KnowledgeIndex()
    for doc_id, doc in docs.items():
        whole.put(doc_id, doc["id"], terms_of_document(doc))
    assert len(stepped) == len(chunked) == len(whole) == 150
    for query in QUERIES:
        for limit in (1, 4, 40):
            assert stepped.search(query, limit) == chunked.search(query, limit) == whole.search(query, limit)


def test_a_change_while_built_ahead_leaves_it_to_the_first_search(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    path = folded(tmp_path)
    store, other = open_store(path), open_store(path)
    build = warming.knowledge_of

    def with_a_write_meanwhile(columns, between):  # type: ignore[no-untyped-def]
        other.knowledge.put_many([KnowledgeEntry(id="kb-new", issue_id="INC-2", title="zebra crossing",
                                                 problem="zebra", created_at=T0)])
        store.refresh()  # a worker of ours catches up while the index is being built
        return build(columns, between)

    monkeypatch.setattr(warming, "knowledge_of", with_a_write_meanwhile)
    warming.knowledge(store.journal, lambda: None)
    assert store.journal.indexes is not None and store.journal.indexes.knowledge is None  # not installed: stale
    monkeypatch.undo()
    assert [h[0] for h in hits(store, "zebra")] == ["kb-new"]
    for query in QUERIES:
        assert hits(store, query) == scanned(store, query)
