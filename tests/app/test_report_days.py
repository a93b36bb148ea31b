"""The report from the day book equals the report counted from every record: random histories folded into a
snapshot (the book counted from it), then random writes in the journal on top (requests, outcomes and corrections
changed, removed, added), periods of several lengths whose ends fall inside days, on a day's edge and one
microsecond off, with `now` in other time zones; and a book missing, stale, of other profiles or damaged in any
byte is counted again (never used as it is)."""

from __future__ import annotations

import zlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.report_books import ENDS, MIDNIGHT, _folded, _store, _write, booked, counted, same_reports
from tests.support.report_histories import DAYS, EXPERTS, NOW, PROFILES, histories
from triagedesk.app import report_days
from triagedesk.app.report_days_file import HEADER_DIGITS, MAGIC, BookUnusable, book_path, open_book
from triagedesk.domain.insight.analytics import period_bounds, report
from triagedesk.domain.records import ExpertRequest

WIDE = period_bounds(NOW + timedelta(days=1), 12)
"""A period holding every day of `_folded`'s book whole but its ends."""
ENDING = period_bounds(NOW - timedelta(days=3), 1)
"""A period ending in the day of `_folded`'s records (read from their rows)."""


operations = st.lists(st.tuples(st.sampled_from(["request", "drop-request", "outcome", "drop-outcome",
                                                 "correction", "drop-correction"]),
                                st.integers(0, 20), st.data()), max_size=8)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(histories(), operations)
def test_the_book_and_the_journal_on_top_equal_the_records(tmp_path: Path, history: Any, ops: list[Any]) -> None:
    store = _store(tmp_path, history)
    try:
        same_reports(store)  # the first counts the book and writes it; the rest read it
        assert book_path(store.path).exists()
        for kind, n, data in ops:
            _write(store, kind, n, data)
            same_reports(store)
        store.journal.compact()  # a new snapshot: the book is stale, counted again
        same_reports(store)
    finally:
        store.close()


def test_a_missing_or_stale_book_is_counted_again(tmp_path: Path) -> None:
    store = _folded(tmp_path)
    try:
        path = book_path(store.path)
        assert not path.exists()
        expected = counted(store, DAYS, NOW)
        assert booked(store, DAYS, NOW) == expected and path.exists()
        key, _ = report_days.state_of(store, PROFILES)
        assert key is not None
        open_book(path, key)  # the book written is the snapshot's
        store.requests.put_many([ExpertRequest(id="req-x", analysis_id="INC-x", submitted_at=NOW, price=9.0)])
        store.journal.compact()
        with pytest.raises(BookUnusable):
            open_book(path, report_days.state_of(store, PROFILES)[0])  # the old snapshot's: stale
        assert booked(store, DAYS, NOW) == counted(store, DAYS, NOW)
        open_book(path, report_days.state_of(store, PROFILES)[0])  # written again for the new one
        other = {**PROFILES, "appraisal": PROFILES["appraisal"].model_copy(update={"expert_hourly_rate": 99.0})}
        with pytest.raises(BookUnusable):
            open_book(path, report_days.state_of(store, other)[0])  # other profiles: other rates
        assert report_days.report(store, other, NOW, DAYS) == report(
            store.requests.all(), EXPERTS, store.corrections.all(), store.outcomes.all(), other, NOW, DAYS)
    finally:
        store.close()


@pytest.mark.parametrize("where", ["magic", "length", "header", "directory", "sums", "rows", "cut", "empty"])
def test_a_damaged_book_is_never_used(tmp_path: Path, where: str) -> None:
    store = _folded(tmp_path)
    try:
        expected = counted(store, DAYS, NOW)
        assert booked(store, DAYS, NOW) == expected
        path = book_path(store.path)
        data = bytearray(path.read_bytes())
        first_line = data.index(b"\n") + 1
        header_end = first_line + int(data[len(MAGIC):len(MAGIC) + HEADER_DIGITS])
        spots = {"magic": 3, "length": first_line - 4, "header": first_line + 10, "directory": header_end - 5,
                 "sums": header_end + 20, "rows": len(data) - 20}
        if where == "cut":
            data = data[:len(data) // 2]
        elif where == "empty":
            data = bytearray()
        else:
            data[spots[where]] ^= 0x01
        path.write_bytes(bytes(data))
        key, _ = report_days.state_of(store, PROFILES)
        with pytest.raises(BookUnusable):
            book = open_book(path, key)
            for period in (WIDE, ENDING):  # every day's sums read, then its rows
                report_days.period_tally(store, PROFILES, report_days.state_of(store, PROFILES)[1], book, period)
        assert booked(store, DAYS, NOW) == expected  # counted again, and the book written again
        open_book(path, key)
    finally:
        store.close()


def test_a_day_whose_checksum_was_forged_still_parses_or_is_refused(tmp_path: Path) -> None:
    """A book someone edited and checksummed again: a day's sums not of the shape written are refused."""
    store = _folded(tmp_path)
    try:
        booked(store, DAYS, NOW)
        path = book_path(store.path)
        key, docs = report_days.state_of(store, PROFILES)
        book = open_book(path, key)
        day = (NOW - timedelta(days=3)).timestamp() // 86400
        offset, length, _ = book.header["days"][str(int(day))][:3]
        data = bytearray(path.read_bytes())
        start = book.data_start + offset
        blob = bytes(data[start:start + length]).replace(b'"n":[', b'"n":[[["requests"],"many"],', 1)
        assert len(blob) > length
        forged = bytes(data[:start]) + blob + bytes(data[start + length:])
        # the directory moved by the longer blob: rewrite it as a forger would
        import orjson

        header = book.header
        grow = len(blob) - length
        for place in header["days"].values():
            if place[0] > offset:
                place[0] += grow
            if place[3] > offset:
                place[3] += grow
        header["days"][str(int(day))][1:3] = [len(blob), zlib.crc32(blob)]
        text = orjson.dumps(header)
        path.write_bytes(MAGIC + str(len(text)).zfill(HEADER_DIGITS).encode() + b" %08x\n" % zlib.crc32(text) + text
                         + forged[book.data_start:])
        with pytest.raises(BookUnusable):
            report_days.period_tally(store, PROFILES, docs, open_book(path, key), WIDE)
        assert booked(store, DAYS, NOW) == counted(store, DAYS, NOW)
    finally:
        store.close()


def test_a_read_only_folder_still_answers(tmp_path: Path, monkeypatch: Any) -> None:
    store = _folded(tmp_path)
    try:
        def refuse(*_: Any) -> None:
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(report_days, "write_book", refuse)
        assert booked(store, DAYS, NOW) == counted(store, DAYS, NOW)
        assert not book_path(store.path).exists()
    finally:
        store.close()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(histories(), operations, operations)
def test_the_tab_started_from_the_book_keeps_in_step(tmp_path: Path, history: Any, before: list[Any],
                                                     after: list[Any]) -> None:
    """The tab's kept report started from the book and the journal's changes since equals the records' report,
    then and after more writes."""
    from triagedesk.app.live_book import from_book
    from triagedesk.app.live_report import LiveReport

    store = _store(tmp_path, history)
    try:
        booked(store, DAYS, NOW)  # the book written
        for kind, n, data in before:
            _write(store, kind, n, data)
        live = LiveReport(store, PROFILES, deferred=True)
        assert from_book(live)
        live._deferred = False
        for days in (DAYS, 30):
            for now in ENDS:
                assert live.report(days, now) == counted(store, days, now), (days, now)
        for kind, n, data in after:
            _write(store, kind, n, data)
            assert live.report(DAYS, NOW) == counted(store, DAYS, NOW), kind
        live.close()
    finally:
        store.close()


def test_the_tab_without_a_book_counts_from_the_store(tmp_path: Path) -> None:
    from triagedesk.app.live_book import from_book
    from triagedesk.app.live_report import LiveReport

    store = _folded(tmp_path)
    try:
        live = LiveReport(store, PROFILES, deferred=True)
        assert not from_book(live)  # no book yet: the caller counts
        assert live.report(DAYS, NOW) == counted(store, DAYS, NOW)  # counted at once, and the book written
        assert live.report(DAYS, NOW) == counted(store, DAYS, NOW)  # the days counted on the thread meanwhile
        book_path(store.path).write_bytes(b"#triagedesk-report-days 1 garbage")
        again = LiveReport(store, PROFILES, deferred=True)
        assert not from_book(again)  # damaged: not used
        live.close()
        again.close()
    finally:
        store.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(0, 10**9), st.integers(1, 255))
def test_any_byte_of_the_book_changed_never_changes_the_report(tmp_path: Path, where: int, flip: int) -> None:
    """One byte of the book changed anywhere: the report is still the records' (the damage found where it is
    read, the book counted again; a byte of a day no period read is never read)."""
    store = _folded(tmp_path / f"s{len(list(tmp_path.iterdir()))}")
    try:
        periods = [(DAYS, NOW), (1, NOW - timedelta(days=3)), (30, MIDNIGHT)]
        expected = [counted(store, days, now) for days, now in periods]
        assert booked(store, DAYS, NOW) == expected[0]
        path = book_path(store.path)
        data = bytearray(path.read_bytes())
        data[where % len(data)] ^= flip
        path.write_bytes(bytes(data))
        assert [booked(store, days, now) for days, now in periods] == expected
    finally:
        store.close()


def test_another_stores_book_is_not_used(tmp_path: Path) -> None:
    mine = _folded(tmp_path / "a")
    other = _folded(tmp_path / "b")
    try:
        other.requests.put_many([ExpertRequest(id="req-x", analysis_id="INC-x", submitted_at=NOW, price=9.0)])
        other.journal.compact()
        booked(other, DAYS, NOW)
        book_path(mine.path).write_bytes(book_path(other.path).read_bytes())  # copied beside the wrong store
        key, _ = report_days.state_of(mine, PROFILES)
        with pytest.raises(BookUnusable):
            open_book(book_path(mine.path), key)
        assert booked(mine, DAYS, NOW) == counted(mine, DAYS, NOW)
    finally:
        mine.close()
        other.close()


def _without_span_checksums(path: Path) -> None:
    """Rewrite a snapshot as triagedesk wrote it before span checksums (no `blocks`, two numbers a list), as the
    1M bench store is (the same rewrite as tests/store/adversarial/test_span_checksums.py's)."""
    import orjson

    from triagedesk.store.snapshot_file import END_LENGTH

    data = path.read_bytes()
    at = int(data[-END_LENGTH:][11:27])
    length = int(data[-END_LENGTH:][28:44])
    directory = orjson.loads(data[at:at + length])
    for entry in directory["tables"].values():
        del entry["blocks"]
        entry["parts"] = {part: place[:2] for part, place in entry["parts"].items()}
    blob = orjson.dumps(directory) + b"\n"
    head = data[:at] + blob
    text = b"#directory %016d %016d dcrc=%08x crc=" % (at, len(blob) - 1, zlib.crc32(blob[:-1]))
    path.write_bytes(head + text + b"%08x\n" % zlib.crc32(text, zlib.crc32(head)))


def test_a_snapshot_without_span_checksums_has_a_book_and_a_damaged_one_is_refused(tmp_path: Path) -> None:
    from triagedesk.app.reading import open_reading
    from triagedesk.store.errors import StoreCorrupt

    store = _folded(tmp_path)
    path = store.path
    store.close()
    _without_span_checksums(path)
    reading = open_reading(path)
    try:
        assert not reading.store.journal.spans_checked
        first = reading.report(DAYS, NOW)
        key, _ = report_days.state_of(reading.store, reading.profiles())
        assert key is not None and key["tables"]["requests"][3] is None  # named by its place: no list CRCs
        open_book(book_path(path), key)
    finally:
        reading.close()
    reading = open_reading(path)
    try:
        assert reading.report(DAYS, NOW) == first  # from the book
    finally:
        reading.close()
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0x01  # a record the book's report never reads
    path.write_bytes(bytes(data))
    reading = open_reading(path)
    try:
        with pytest.raises(StoreCorrupt):
            reading.report(DAYS, NOW)  # no span checksums: the whole file's decides, book or not
    finally:
        reading.close()
