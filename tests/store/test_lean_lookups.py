"""A store opened to answer a few questions (`reading=True`) finds by scanning a column: no lookup builds an index."""

from __future__ import annotations

from pathlib import Path

from tests.support.clock import T0
from triagedesk.domain.records import ExpertRequest
from triagedesk.store.database import open_store


def _store(path: Path) -> None:
    store = open_store(path)
    store.requests.put_many([ExpertRequest(id=f"req-{n}", analysis_id=f"INC-{n % 3}", submitted_at=T0)
                             for n in range(9)])
    store.journal.compact()  # the records in the snapshot, as a command finds them
    store.close()


def test_a_readers_lookup_scans_and_builds_no_index(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    _store(path)
    reader = open_store(path, create=False, reading=True)
    try:
        found = reader.journal.lookup("requests", "analysis_id", "INC-1")
        assert sorted(d["id"] for d in found) == ["req-1", "req-4", "req-7"]
        index = reader.journal._installed().fields["requests"]
        assert index.lean and index.built == {}  # the warm-up in front of a lookup used to build it anyway
    finally:
        reader.close()


def test_a_desks_lookup_builds_the_index_once(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    _store(path)
    desk = open_store(path, create=False)
    try:
        found = desk.journal.lookup("requests", "analysis_id", "INC-2")
        assert sorted(d["id"] for d in found) == ["req-2", "req-5", "req-8"]
        assert "analysis_id" in desk.journal._installed().fields["requests"].built
    finally:
        desk.close()
