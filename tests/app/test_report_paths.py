"""The report is the same however it is counted: from records (`analytics.report`), record by record (the tab's
incremental tally), and from the store's stored columns (snapshot columns and records written since); random
histories, with times on and one microsecond beyond both ends of the period."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.report_histories import DAYS, EXPERTS, NOW, PROFILES, RATES, histories
from triagedesk.app import report_columns
from triagedesk.domain.insight.analytics import correctable, due_us, figures, period_bounds, report, tally_records
from triagedesk.domain.insight.tally import CorrectionFacts, RatingFacts, Tally, micros, request_facts
from triagedesk.domain.records import Correction, ExpertRequest, Outcome
from triagedesk.store.database import open_store


def one_by_one(reqs: list[ExpertRequest], outcomes: list[Outcome], corrections: list[Correction]) -> Tally:
    """The tally as the tab keeps it: every record added, then some taken back and added again."""
    low, high = period_bounds(NOW, DAYS)
    of = {o.request_id: o for o in outcomes if o.request_id}
    tally = Tally()
    facts = []
    for r in reqs:
        at = micros(r.submitted_at)
        if not low <= at <= high:
            continue
        o = of.get(r.id)
        f = request_facts(at, *(None if t is None else micros(t) for t in (r.assigned_at, r.started_at,
                                                                           r.completed_at)), due_us(r, PROFILES),
                          r.status, r.urgency, r.item_category, r.assigned_expert_id, r.tier_id, r.price,
                          RATES.get(r.profile, 0.0), None if o is None else o.resolution_achieved,
                          None if o is None else o.time_to_resolution_minutes, r.profile, r.id)
        tally.request(f)
        facts.append(f)
    for f in facts[::2]:
        tally.request(f, -1)
    for f in facts[::2]:
        tally.request(f)
    for c in corrections:
        if low <= micros(c.created_at) <= high and correctable(c.field, c.profile, PROFILES):
            tally.correction(CorrectionFacts(micros(c.created_at), c.field, c.category or "-", c.expert_id,
                                             c.profile, c.request_id or ""))
    for o in outcomes:
        if o.rating is not None and low <= micros(o.created_at) <= high:
            tally.rating(RatingFacts(micros(o.created_at), o.expert_id, o.rating))
    return tally


def same_tally(a: Tally, b: Tally) -> bool:
    return +a.n == +b.n and {k: sorted(v) for k, v in a.values.items()} == {k: sorted(v) for k, v in b.values.items()}


@settings(max_examples=150, deadline=None)
@given(histories())
def test_record_by_record_equals_at_once(history: tuple[list[ExpertRequest], list[Outcome], list[Correction]]) -> None:
    reqs, outcomes, corrections = history
    at_once = tally_records(reqs, corrections, outcomes, PROFILES, NOW, DAYS)
    each = one_by_one(reqs, outcomes, corrections)
    assert same_tally(each, at_once)
    names = {e.id: e.name for e in EXPERTS}
    assert figures(each, names, NOW, DAYS, PROFILES) == figures(at_once, names, NOW, DAYS, PROFILES)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(histories(), st.booleans())
def test_store_columns_equal_the_records(tmp_path: Path, history: tuple[list[ExpertRequest], list[Outcome],
                                                                        list[Correction]], folded: bool) -> None:
    reqs, outcomes, corrections = history
    path = tmp_path / f"desk-{len(list(tmp_path.iterdir()))}.json"
    store = open_store(path)
    try:
        store.experts.put_many(EXPERTS)
        store.requests.put_many(reqs)
        store.outcomes.put_many(outcomes)
        store.corrections.put_many(corrections)
        if folded:  # the snapshot's stored columns; else every record is read from the journal's
            store.journal.compact()
        expected = report(store.requests.all(), EXPERTS, store.corrections.all(), store.outcomes.all(), PROFILES,
                          NOW, DAYS)
        assert report_columns.report(store, PROFILES, NOW, DAYS) == expected
    finally:
        store.close()


def test_a_value_the_columns_cannot_hold_is_read_through_the_model(tmp_path: Path) -> None:
    store = open_store(tmp_path / "desk.json")
    try:
        request = ExpertRequest(id="req-1", analysis_id="INC-1", submitted_at=NOW - timedelta(hours=1),
                                completed_at=NOW, price=25.0, status="completed")
        store.requests.put_many([request])
        raw = {**store.requests.raw()[0], "submitted_at": 1774954800}  # a unix time: the model takes it
        doc_id = store.journal.doc_id_of("requests", "req-1")
        assert doc_id is not None
        with store.journal.transaction():
            store.db.table("requests").update(raw, doc_ids=[int(doc_id)])
        store.journal.compact()
        expected = report(store.requests.all(), [], [], [], PROFILES, NOW, DAYS)
        assert expected["total_requests"] == 1
        assert report_columns.report(store, PROFILES, NOW, DAYS) == expected
    finally:
        store.close()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.floats(-5, 1e6, allow_nan=False), st.integers(0, 400).map(lambda k: k / 4)),
                max_size=60))
def test_the_histogram_of_sorted_values_bisects_to_the_same_bins(values: list[float]) -> None:
    from triagedesk.domain.insight.analytics import histogram

    ordered = sorted(values)
    assert histogram(ordered, ordered=True) == histogram(ordered)


def test_every_field_the_report_reads_is_a_stored_column() -> None:
    """A field the report asks for but the snapshot does not keep makes every record of its kind parsed (the
    requests' `paused_minutes` once cost the 100k report 2 s)."""
    from triagedesk.store.snapshot_file import columns_of

    for kind, fields in (("requests", report_columns.REQUEST_FIELDS), ("outcomes", report_columns.OUTCOME_FIELDS),
                         ("corrections", report_columns.CORRECTION_FIELDS)):
        assert fields and set(fields) <= set(columns_of(kind)), (kind, set(fields) - set(columns_of(kind)))
