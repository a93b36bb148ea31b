"""The report from the day book with changes on top (app/report_days_changes.py) when the snapshot holds an
outcome naming its request by something other than text (a list: not hashable): answered as the stored-columns
report answers, never a TypeError."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.support.report_books import _folded, booked
from tests.support.report_histories import DAYS, NOW, PROFILES
from triagedesk.app.report_columns import report as columns_report
from triagedesk.app.report_days_file import book_path
from triagedesk.domain.records import ExpertRequest


def test_an_outcome_naming_a_list_in_the_snapshot_is_no_type_error(tmp_path: Path) -> None:
    store = _folded(tmp_path)
    try:
        journal = store.journal
        key, doc = next((k, d) for k, d in journal.docs("outcomes").items() if d.get("request_id") == "req-3")
        with journal.transaction():
            journal.put("outcomes", key, {**doc, "request_id": ["req-3", "req-4"]})
        journal.compact()  # in the snapshot now: the book's changes read it through the stored columns
        assert booked(store, DAYS, NOW) == columns_report(store, PROFILES, NOW, DAYS)
        assert book_path(store.path).exists()
        at = NOW - timedelta(days=3)
        store.requests.put_many([ExpertRequest(id="req-3", analysis_id="INC-3", submitted_at=at, status="completed",
                                               completed_at=at, price=99.0, due_at=at)])
        assert booked(store, DAYS, NOW) == columns_report(store, PROFILES, NOW, DAYS)  # raised TypeError before
    finally:
        store.close()
