"""The places file's tests' shared steps: random records folded into a snapshot, raw writes on top, and a
reader's gets and lookups through the places file compared with the journal's own indexes
(tests/store/test_places.py, test_side_rebuilt.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from tests.support.compacting import compacted
from triagedesk.store.database import open_store
from triagedesk.store.journal import Journal
from triagedesk.store.placed import Placed
from triagedesk.store.repositories import Store

ISSUES = ["INC-1", "INC-2", "INC-3"]
REQUESTS = ["req-1", "req-2"]
values = st.one_of(st.sampled_from(ISSUES + REQUESTS), st.none(), st.just(["INC-1"]), st.just(1))
docs = st.fixed_dictionaries({"id": values, "issue_id": values, "request_id": values, "analysis_id": values,
                              "n": st.integers(0, 3)})
TABLES = ["issues", "requests", "sessions", "outcomes"]
writes = st.lists(st.tuples(st.sampled_from(TABLES), st.sampled_from(["put", "remove", "add"]),
                            st.integers(0, 20), docs), max_size=8)
LOOKUPS = [("requests", "analysis_id"), ("sessions", "issue_id"), ("sessions", "request_id"),
           ("outcomes", "issue_id")]


def write(journal: Journal, changes: list[tuple[str, str, int, dict[str, Any]]]) -> None:
    with journal.transaction():
        for table, how, pick, doc in changes:
            held = sorted(journal.docs(table), key=int)
            if how == "add" or not held:
                journal.put(table, str(journal.docs(table).max_id() + 1), dict(doc))
            elif how == "remove":
                journal.put(table, held[pick % len(held)], None)
            else:
                journal.put(table, held[pick % len(held)], dict(doc))


def compare(path: Path) -> None:
    """Every get and lookup of a reader through the places file equals a reader without it."""
    plain = Journal(path, create=False, reading=True)
    placed = Journal(path, create=False, reading=True)
    store = open_store(path, create=False, reading=True)  # installs the declared (lean) indexes
    try:
        for journal in (plain, placed):
            journal.install_indexes(store.journal.indexes.__class__(store.journal.indexes.declared, lean=True))
        placed.placed = Placed(placed)
        for key in ISSUES + REQUESTS + ["none"]:
            for table in TABLES:
                assert placed.get(table, key) == plain.get(table, key), (table, key)
            for table, field in LOOKUPS:
                assert placed.lookup(table, field, key) == plain.lookup(table, field, key), (table, field, key)
    finally:
        for opened in (plain, placed):
            opened.close()
        store.close()


def seeded(path: Path, first: list[tuple[str, str, int, dict[str, Any]]]) -> Store:
    store = open_store(path)
    write(store.journal, [(t, "add", 0, d) for t, _, _, d in first])
    compacted(store.journal)
    return store
