"""The analytics tab's kept report started from the day book (`PATH.report-days`) rather than from every record:
each day's rows and tallies as the book holds them for the snapshot, the snapshot's outcomes from their columns,
then every record the journal changed since applied as a change (tested equal to counting from the store)."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from triagedesk.app.report_columns import Outcomes
from triagedesk.app.report_days import CHANGES_AT_MOST, KINDS, ROW_FIELDS, View, state_of
from triagedesk.app.report_days_file import BookUnusable, book_path, open_book
from triagedesk.domain.insight.day_parts import from_json
from triagedesk.domain.insight.tally import VALUES, Tally
from triagedesk.domain.insight.tally_bulk import RequestColumns
from triagedesk.store.lazy_docs import LazyDocs

if TYPE_CHECKING:
    from triagedesk.app.live_report import LiveReport


def _day_tally(sums: Any) -> Tally:
    """A day's whole tally (its per-request keys put back) from the book's sums."""
    tally = Tally()
    n = tally.n
    for which in "rct":
        part = from_json(sums[which])
        n.update(part.n)
        for name in VALUES:
            tally.values[name].extend(part.values[name])
        n.update({("done_request", request): count for request, count in Counter(part.done).items()})
        for request, profile, field, count in part.fixes:
            n[("fix", request, profile, field)] += count
    return tally


def from_book(live: LiveReport) -> bool:
    """Fill `live` from the store's day book and the journal's changes since; False (nothing changed) when the
    store has no usable book, or the journal changed too much of it."""
    with live._lock:
        live._pending = set()  # what is written from now on is noticed, and applied at the next report
    store = live.store
    key, docs = state_of(store, live.profiles)
    if key is None:
        return False
    counted = sum(found.base.count for found in docs.values() if found.base is not None)
    if sum(len(docs[kind].changed) for kind in KINDS) > max(256, CHANGES_AT_MOST * counted):
        return False
    doc_ids: list[str] = []
    rows = RequestColumns()
    fixes: list[list[Any]] = [[] for _ in range(7)]
    days: dict[int, Tally] = {}
    try:
        book = open_book(book_path(store.path), key)
        for day in sorted(int(found) for found in book.header["days"]):
            held = book.blob(day, 1)
            requests = held["r"]
            if not all(len(requests[name]) == len(requests["doc"]) for name in ROW_FIELDS):
                raise ValueError("the rows of a day differ in length")
            doc_ids += requests["doc"]
            for name in ROW_FIELDS:
                getattr(rows, name).extend(requests[name])
            if len(held["c"]) != 7 or len({len(column) for column in held["c"]}) > 1:
                raise ValueError("the corrections of a day differ in length")
            for column, values in zip(fixes, held["c"], strict=True):
                column += values
            days[day] = _day_tally(book.blob(day, 0))
    except (BookUnusable, KeyError, TypeError, ValueError, IndexError):
        return False
    outcomes = Outcomes(View(store, {kind: LazyDocs(found.base) for kind, found in docs.items()}))
    live._adopt(doc_ids, list(rows.request), rows, outcomes, tuple(fixes), days)
    touched: set[str] = set()
    for doc_id in docs["outcomes"].changed:  # in the table's order: a request's outcome is the last naming it
        touched |= live._outcome(doc_id)
    for doc_id in docs["requests"].changed:
        live._request(doc_id)
    for doc_id in docs["corrections"].changed:
        live._correction(doc_id)
    for request_id in touched:
        live._outcome_changed(request_id)
    return True


__all__ = ["from_book"]
