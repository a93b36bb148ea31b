"""`kb search` from the knowledge index beside the snapshot (store/knowledge_file.py) ranks exactly as ranking
the stored terms of every entry does: random entries (shared words, equal terms, equal ids) folded into a
snapshot, then raw writes on top (entries rewritten, removed, added, malformed); a damaged or stale index is
built again, never trusted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.knowledge_stores import entries, same, write, writes
from triagedesk.store import knowledge_file
from triagedesk.store.database import open_store
from triagedesk.store.reader import StoreReader


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(entries, min_size=1, max_size=14), writes, st.integers(1, 6))
def test_the_knowledge_index_ranks_as_the_stored_terms(tmp_path: Path, first: list[dict[str, Any]],
                                                       then: list[Any], limit: int) -> None:
    path = tmp_path / f"desk-{len(list(tmp_path.iterdir()))}.json"
    store = open_store(path)
    try:
        write(store.journal, [("add", 0, doc) for doc in first])
        store.journal.compact()
        write(store.journal, then)
        same(path, limit)  # built
        assert knowledge_file.path_of(path).exists()
        same(path, limit)  # read back
    finally:
        store.close()


def test_a_damaged_or_stale_index_is_built_again(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    store = open_store(path)
    try:
        write(store.journal, [("add", 0, {"id": f"KB-{n}", "title": f"disk full {n % 7}", "resolution": "rotated"})
                              for n in range(300)])
        store.journal.compact()
        same(path, 5)
        side = knowledge_file.path_of(path)
        good = side.read_bytes()
        for marker in (b'"KB-10"', b'"disk"', b"#triagedesk-knowledge", b'"snapshot"'):
            damaged = bytearray(good)
            damaged[damaged.index(marker) + 3] ^= 0x04
            side.write_bytes(bytes(damaged))
            reader = StoreReader(path)
            try:
                found = reader.knowledge_search("disk full 3", 5)
                assert found == reader.knowledge_scan("disk full 3", 5) and len(found) == 5
            finally:
                reader.close()
            assert side.read_bytes() == good, marker  # written again whole
        write(store.journal, [("add", 0, {"id": "KB-0", "title": "disk full 3 again"})])
        store.journal.compact()
        same(path, 5)
        assert side.read_bytes() != good  # the new snapshot's
    finally:
        store.close()
