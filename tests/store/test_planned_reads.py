"""A lookup finds where its records lie under the journal's lock and reads the snapshot's bytes after it
(store/planned_reads.py): the same records as `raw_many` read, for random keys over a snapshot and changes since;
and no snapshot span is read holding the lock."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triagedesk.domain.records import ExpertRequest
from triagedesk.store import planned_reads
from triagedesk.store.database import open_store
from triagedesk.store.lazy_docs import LazyDocs
from triagedesk.store.snapshot_table import SnapshotTable

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def folded(path: Path, count: int = 40) -> None:
    store = open_store(path)
    store.requests.put_many([ExpertRequest(id=f"req-{n}", analysis_id=f"INC-{n % 5}", submitted_at=T0)
                             for n in range(count)])
    store.journal.compact()
    store.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(keys=st.lists(st.integers(0, 60).map(str), max_size=40),
       changed=st.lists(st.tuples(st.integers(0, 60), st.booleans()), max_size=10))
def test_planned_reads_equal_raw_many(tmp_path_factory: object, keys: list[str],
                                      changed: list[tuple[int, bool]]) -> None:
    path = tmp_path_factory.mktemp("planned") / "desk.json"  # type: ignore[attr-defined]
    folded(path)
    store = open_store(path)
    try:
        docs = store.journal.docs("requests")
        assert isinstance(docs, LazyDocs) and docs.base is not None
        held = list(docs.keys())
        assert held
        for n, removed in changed:  # changes since the snapshot: rewritten, removed, added
            key = held[n % len(held)] if n < 50 else str(1000 + n)
            if removed and key in docs:
                del docs[key]
            elif not removed:
                docs[key] = {"id": f"new-{n}", "status": "open"}
        wanted = [held[int(k) % len(held)] if int(k) < 45 else k for k in keys]
        assert list(planned_reads.read(planned_reads.plan(docs, wanted))) == [raw for _, raw in
                                                                              docs.raw_many(wanted)]
    finally:
        store.close()


def test_a_lookup_reads_no_snapshot_span_holding_the_lock(tmp_path: Path, monkeypatch: object) -> None:
    path = tmp_path / "desk.json"
    folded(path)
    store = open_store(path)
    journal = store.journal
    held: list[bool] = []
    read = SnapshotTable._read_batch

    def noted(self: SnapshotTable, batch: list[int]) -> object:
        held.append(bool(journal.mutex._is_owned()))  # type: ignore[attr-defined]
        return read(self, batch)

    monkeypatch.setattr(SnapshotTable, "_read_batch", noted)  # type: ignore[attr-defined]
    try:
        found = journal.lookup("requests", "analysis_id", "INC-3")
        assert sorted(d["id"] for d in found) == sorted(f"req-{n}" for n in range(40) if n % 5 == 3)
        assert held and not any(held)
    finally:
        store.close()


def test_each_by_parses_its_records_as_they_are_taken(tmp_path: Path, monkeypatch: object) -> None:
    """`each_by` (the Timers' read) parses a record only when it is taken, so a reader stepping between records
    lets keys pass, or stops for the desk's closing, from the first record on; and it yields what `by` returns."""
    path = tmp_path / "desk.json"
    folded(path, count=300)
    store = open_store(path)
    try:
        parsed: list[int] = []
        parse = LazyDocs.parse

        def counted(self: LazyDocs, raw: bytes) -> object:
            parsed.append(1)
            return parse(self, raw)

        monkeypatch.setattr(LazyDocs, "parse", counted)  # type: ignore[attr-defined]
        wanted = store.requests.by("status", "pending_assignment")
        assert len(wanted) == 300 and len(parsed) == 300
        parsed.clear()
        each = store.requests.each_by("status", "pending_assignment")
        first = next(each)
        assert len(parsed) == 1  # not the 299 others before the first is handed over
        assert [first, *each] == wanted
        assert len(parsed) == 300
    finally:
        store.close()
