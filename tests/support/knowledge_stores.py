"""The knowledge index's tests' shared steps: random entries, raw writes, and a reader's ranking compared with the
stored terms' (tests/store/test_knowledge_file.py, test_side_rebuilt.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from triagedesk.store.journal import Journal
from triagedesk.store.reader import StoreReader

WORDS = ["disk", "full", "database", "server", "printer", "outage", "the", "logs"]
QUERIES = ["disk full on the database server", "printer outage", "logs", "the", "nothing here", "disk disk"]
texts = st.lists(st.sampled_from(WORDS), max_size=4).map(" ".join)
entries = st.one_of(st.fixed_dictionaries({"id": st.sampled_from(["KB-1", "KB-2", "KB-3", "KB-4"]),
                                           "title": texts, "resolution": texts}), st.just({"title": 5}))
writes = st.lists(st.tuples(st.sampled_from(["put", "remove", "add"]), st.integers(0, 30), entries), max_size=6)


def write(journal: Journal, changes: list[tuple[str, int, dict[str, Any]]]) -> None:
    with journal.transaction():
        for how, pick, doc in changes:
            held = sorted(journal.docs("knowledge"), key=int)
            if how == "add" or not held:
                journal.put("knowledge", str(journal.docs("knowledge").max_id() + 1), dict(doc))
            elif how == "remove":
                journal.put("knowledge", held[pick % len(held)], None)
            else:
                journal.put("knowledge", held[pick % len(held)], dict(doc))


def same(path: Path, limit: int) -> None:
    reader = StoreReader(path)
    try:
        for query in QUERIES:
            assert reader.knowledge_search(query, limit) == reader.knowledge_scan(query, limit), query
    finally:
        reader.close()
