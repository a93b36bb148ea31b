"""The report's day book carried over a compaction (app/report_days_carry.py) is byte for byte the book counted
whole from the new snapshot: random histories, random writes, removals and outcome changes, compactions at random
points by this store or a second one (with or without its own carrier); a book that was not valid for the folded
snapshot, or is damaged, is not carried (the first report counts it, as before)."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.compacting import compacted
from tests.support.report_books import _folded, _store, _write, booked, counted, same_reports
from tests.support.report_histories import DAYS, NOW, PROFILES, histories, requests
from triagedesk.app import report_days, report_days_carry
from triagedesk.app.report_days_file import BookUnusable, book_path, open_book
from triagedesk.domain.records import ExpertRequest
from triagedesk.store.database import open_store
from triagedesk.store.journal_format import decode_header
from triagedesk.store.repositories import Store


def _carrying(store: Store) -> Store:
    """`store` with the day book's carrier (the report's profiles), as a Desk's store has it (app/carried.py)."""
    store.journal.carriers.append(lambda: report_days_carry.prepare(store, PROFILES))
    return store


def _valid(store: Store) -> bool:
    """Whether the store's book was counted from its snapshot as it is now."""
    key, _ = report_days.state_of(store, PROFILES)
    try:
        open_book(book_path(store.path), key).handle.close()
    except BookUnusable:
        return False
    return True


def _same_as_counted_whole(store: Store) -> None:
    """The book beside the store is the one a report counts whole from its snapshot, byte for byte."""
    path = book_path(store.path)
    carried = path.read_bytes()
    path.unlink()
    booked(store, DAYS, NOW)  # counts the book whole and writes it
    assert path.read_bytes() == carried


def _second(store: Store, carries: bool) -> Store:
    """Another process's view of the store, a Desk's (carrying the book over its compactions) or not."""
    second = open_store(store.path)
    return _carrying(second) if carries else second


operations = st.lists(st.tuples(st.sampled_from(["request", "drop-request", "outcome", "drop-outcome",
                                                 "correction", "drop-correction", "compact", "report",
                                                 "second-write", "second-compact"]),
                                st.integers(0, 20), st.data()), max_size=14)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(histories(), operations, st.booleans())
def test_a_carried_book_is_the_book_counted_whole(tmp_path: Path, history: Any, ops: list[Any],
                                                  second_carries: bool) -> None:
    store = _carrying(_store(tmp_path, history))
    second: Store | None = None
    try:
        booked(store, DAYS, NOW)  # the book of the first snapshot
        for kind, n, data in ops:
            if kind in ("compact", "second-compact"):
                if kind == "second-compact" and second is None:
                    second = _second(store, second_carries)
                compacting = store if kind == "compact" else second
                assert compacting is not None
                expected = _valid(compacting) and (compacting is store or second_carries)
                compacted(compacting.journal)
                store.journal.refresh()
                assert _valid(store) == expected
                if expected:
                    _same_as_counted_whole(store)
            elif kind == "report":
                same_reports(store)
            elif kind == "second-write":
                second = second or _second(store, second_carries)
                second.requests.put_many([data.draw(requests(n + 100))])
                store.journal.refresh()
            else:
                _write(store, kind, n, data)
        compacted(store.journal)
        expected_end = book_path(store.path).exists()
        same_reports(store)  # carried or counted again: the report equals the records' either way
        assert book_path(store.path).exists() or not expected_end
    finally:
        store.close()
        if second is not None:
            second.close()


def test_a_compaction_carries_the_book_over_and_the_reports_agree(tmp_path: Path) -> None:
    store = _carrying(_folded(tmp_path))
    try:
        same_reports(store)
        first = book_path(store.path).stat().st_ino
        store.requests.put_many([ExpertRequest(id="req-x", analysis_id="INC-x", submitted_at=NOW, price=9.0)])
        store.requests.delete("req-3")
        compacted(store.journal)
        assert book_path(store.path).stat().st_ino != first and _valid(store)  # written for the new snapshot
        _same_as_counted_whole(store)
        same_reports(store)
    finally:
        store.close()


def test_no_book_before_the_compaction_means_none_after(tmp_path: Path) -> None:
    store = _carrying(_folded(tmp_path))
    try:
        store.requests.put_many([ExpertRequest(id="req-x", analysis_id="INC-x", submitted_at=NOW, price=9.0)])
        compacted(store.journal)
        assert not book_path(store.path).exists()  # never used: not built by the compaction
    finally:
        store.close()


def test_a_stale_book_is_not_carried(tmp_path: Path) -> None:
    store = _carrying(_folded(tmp_path))
    try:
        booked(store, DAYS, NOW)
        store.journal.carriers.clear()
        compacted(store.journal)  # a compaction without the carrier (a process without a Desk): the book is stale
        _carrying(store)
        store.requests.put_many([ExpertRequest(id="req-x", analysis_id="INC-x", submitted_at=NOW, price=9.0)])
        compacted(store.journal)
        assert not _valid(store)
        assert booked(store, DAYS, NOW) == counted(store, DAYS, NOW) and _valid(store)  # counted at the first report
    finally:
        store.close()


@pytest.mark.parametrize("which", ["touched", "kept"])
def test_a_damaged_day_is_not_carried(tmp_path: Path, which: str) -> None:
    """A day the compaction counts again (read in its preparation) or copies (checked as it is copied) that fails
    its checksum: no book for the new snapshot, the first report counts it whole."""
    store = _carrying(_folded(tmp_path))
    try:
        booked(store, DAYS, NOW)
        path = book_path(store.path)
        key, _ = report_days.state_of(store, PROFILES)
        book = open_book(path, key)
        day = int((NOW - timedelta(days=3)).timestamp() // 86400)
        offset, length = book.header["days"][str(day)][3:5]
        data = bytearray(path.read_bytes())
        data[book.data_start + offset + length // 2] ^= 0x01  # the day's rows
        book.handle.close()
        path.write_bytes(bytes(data))
        moved = NOW - timedelta(days=3) if which == "touched" else NOW
        store.requests.put_many([ExpertRequest(id="req-x", analysis_id="INC-x", submitted_at=moved, price=9.0)])
        compacted(store.journal)
        assert not _valid(store)
        assert booked(store, DAYS, NOW) == counted(store, DAYS, NOW) and _valid(store)
    finally:
        store.close()


def test_no_other_process_reads_the_new_snapshot_before_its_book(tmp_path: Path) -> None:
    """While the book is carried over, the journal on disk is still the folded one: a reader opening then finds
    the compaction unfinished and waits for the lock, so it reads the new snapshot with its book beside it."""
    store = _carrying(_folded(tmp_path))
    try:
        booked(store, DAYS, NOW)
        seen: list[Any] = []
        journal_path = store.journal.files.journal_path

        def looking() -> None:
            seen.append(decode_header(journal_path.read_bytes())[0])

        store.journal.carriers.append(lambda: looking)
        before = store.journal.files.header
        store.requests.put_many([ExpertRequest(id="req-x", analysis_id="INC-x", submitted_at=NOW, price=9.0)])
        compacted(store.journal)
        assert seen == [before] and store.journal.files.header != before
        opened: list[bool] = []

        def reading() -> None:
            other = open_store(store.path)
            try:
                opened.append(_valid(other))
            finally:
                other.close()

        reader = threading.Thread(target=reading)
        reader.start()
        reader.join(timeout=30)
        assert opened == [True]
    finally:
        store.close()
