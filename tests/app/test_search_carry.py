"""The issue search's side file carried over a compaction (app/search_carry.py) is byte for byte the file a first
search builds from the new snapshot: random stores, random raw writes (titles, ids, requests moved between issues,
records removed and added, cells the columns cannot hold) and compactions at random points, by this store or a
second one; a file that was stale or damaged before the compaction is not carried (the first search builds it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.compacting import compacted
from tests.support.search_stores import T0, answer, build, fill, write, writes
from triagedesk.app import search_carry, search_file, search_index
from triagedesk.app.issue_search import scan
from triagedesk.domain.models import Issue
from triagedesk.store.database import open_store
from triagedesk.store.reader import StoreReader
from triagedesk.store.repositories import Store


def _carrying(store: Store) -> Store:
    """`store` with the search file's carrier, as a Desk's store has it (app/carried.py)."""
    store.journal.carriers.append(lambda: search_carry.prepare(store))
    return store


def _valid(path: Path) -> bool:
    """Whether the search file beside the store is its snapshot's."""
    reader = StoreReader(path)
    try:
        reader.journal.refresh()
        name = search_index._identity(reader.journal.docs("issues"))
    finally:
        reader.close()
    opened = search_file.open_file(search_file.path_of(path), name)
    if opened is None:
        return False
    opened.close()
    return True


def _same_as_built(path: Path) -> None:
    """The file beside the store is the one a first search builds from its snapshot, byte for byte."""
    side = search_file.path_of(path)
    carried = side.read_bytes()
    side.unlink()
    answer(path, "disk", 3)  # builds it
    assert side.read_bytes() == carried


steps = st.lists(st.one_of(st.tuples(st.just("write"), writes), st.tuples(st.just("compact"), st.none()),
                           st.tuples(st.just("second-compact"), st.none()),
                           st.tuples(st.just("search"), st.sampled_from(["disk", "ann", ""]))), max_size=8)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data(), steps)
def test_a_carried_search_file_is_the_file_built(tmp_path: Path, data: st.DataObject, plan: list[Any]) -> None:
    path = tmp_path / f"desk-{len(list(tmp_path.iterdir()))}.json"
    store = _carrying(open_store(path))
    second: Store | None = None
    try:
        fill(store, data.draw)
        store.issues.put_many([Issue(id="INC-0", title="kept", profile="infrastructure")])
        compacted(store.journal)
        answer(path, "disk", 3)  # the first snapshot's file
        for what, arg in plan:
            if what == "write":
                write(store, arg)
            elif what == "search":
                assert answer(path, arg, 5) == scan(store, arg, 5)
            else:
                if what == "second-compact" and second is None:
                    second = _carrying(open_store(path))  # another process's Desk
                compacting = store if what == "compact" else second
                assert compacting is not None
                compacting.journal.refresh()
                expected = _valid(path)
                compacted(compacting.journal)
                store.journal.refresh()
                assert _valid(path) == expected
                if expected:
                    _same_as_built(path)
        for needle in ("disk", "ann", ""):
            assert answer(path, needle, 9) == scan(store, needle, 9)
    finally:
        store.close()
        if second is not None:
            second.close()


def test_a_compaction_carries_the_file_and_searches_agree(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    store = _carrying(build(path))
    try:
        assert answer(path, "outage 3", 500) == scan(store, "outage 3", 500)
        store.issues.put_many([Issue(id="INC-1000", title="printer outage 3 again", profile="infrastructure")])
        store.issues.delete("INC-5")
        compacted(store.journal)
        assert _valid(path)
        _same_as_built(path)
        assert answer(path, "outage 3", 500) == scan(store, "outage 3", 500)
    finally:
        store.close()


def test_no_file_before_the_compaction_means_none_after(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    store = _carrying(build(path))
    try:
        store.issues.put_many([Issue(id="INC-1000", title="x", profile="infrastructure")])
        compacted(store.journal)
        assert not search_file.path_of(path).exists()
    finally:
        store.close()


@pytest.mark.parametrize("where", [b"printer outage 39", b'"INC-399"'])
def test_a_damaged_file_is_not_carried(tmp_path: Path, where: bytes, monkeypatch: Any) -> None:
    monkeypatch.setattr(search_file, "CHUNK", 4096)  # many chunks, each checked as it is read
    path = tmp_path / "desk.json"
    store = _carrying(build(path))
    try:
        answer(path, "outage", 3)
        side = search_file.path_of(path)
        damaged = bytearray(side.read_bytes())
        damaged[damaged.index(where) + 3] ^= 0x04
        side.write_bytes(bytes(damaged))
        store.issues.put_many([Issue(id="INC-1000", title="x", profile="infrastructure")])
        compacted(store.journal)
        assert not _valid(path)  # left stale: the first search builds it
        assert answer(path, "outage 3", 500) == scan(store, "outage 3", 500) and _valid(path)
    finally:
        store.close()


def test_issues_of_the_same_moment_keep_the_tables_order(tmp_path: Path) -> None:
    """A touched issue created at the same moment as untouched ones goes back to its place among them."""
    path = tmp_path / "desk.json"
    store = _carrying(open_store(path))
    try:
        store.issues.put_many([Issue(id=f"INC-{n}", title=f"disk {n}", profile="infrastructure", created_at=T0)
                               for n in range(6)])
        compacted(store.journal)
        answer(path, "disk", 3)
        store.issues.put_many([Issue(id="INC-1", title="disk again", profile="infrastructure", created_at=T0)])
        store.issues.delete("INC-0")
        compacted(store.journal)
        assert _valid(path)
        _same_as_built(path)
        assert [f.issue_id for f in answer(path, "disk", 9)] == ["INC-1", "INC-2", "INC-3", "INC-4", "INC-5"]
    finally:
        store.close()
