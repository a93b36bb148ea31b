"""The analytics tab's report kept in step with the store's changes equals the report counted from every record,
after any sequence of writes (requests changed, removed and added; outcomes and corrections come and go), for
several periods and ends, also when another process wrote the changes."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.report_histories import DAYS, EXPERTS, NOW, PROFILES, histories, moments, requests
from triagedesk.app.live_report import LiveReport
from triagedesk.domain.insight.analytics import report
from triagedesk.domain.records import Correction, Outcome
from triagedesk.store.database import open_store
from triagedesk.store.repositories import Store

ENDS = [NOW, NOW + timedelta(hours=13), NOW - timedelta(days=2, microseconds=1)]


def counted(store: Store, days: int, now: Any) -> dict[str, Any]:
    return report(store.requests.all(), EXPERTS, store.corrections.all(), store.outcomes.all(), PROFILES, now, days)


def same_reports(store: Store, live: LiveReport) -> None:
    for days in (DAYS, 1, 30):
        for now in ENDS:
            assert live.report(days, now) == counted(store, days, now), (days, now)


operations = st.lists(st.tuples(st.sampled_from(["request", "drop-request", "outcome", "drop-outcome",
                                                 "correction", "drop-correction"]),
                                st.integers(0, 20), st.data()), max_size=12)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(histories(), operations, st.booleans())
def test_kept_in_step_equals_counted(tmp_path: Path, history: Any, ops: list[Any], folded: bool) -> None:
    reqs, outcomes, corrections = history
    store = open_store(tmp_path / f"desk-{len(list(tmp_path.iterdir()))}.json")
    try:
        store.experts.put_many(EXPERTS)
        store.requests.put_many(reqs)
        store.outcomes.put_many(outcomes)
        store.corrections.put_many(corrections)
        if folded:
            store.journal.compact()
        live = LiveReport(store, PROFILES)
        steady = LiveReport(store, PROFILES)  # asked for one period only: its days' sum is kept, changed days redone
        same_reports(store, live)
        assert steady.report(30, NOW) == counted(store, 30, NOW)
        for kind, n, data in ops:
            ids = [r.id for r in store.requests.all()]
            if kind == "request":
                store.requests.put_many([data.draw(requests(n))])
            elif kind == "drop-request" and ids:
                store.requests.delete(ids[n % len(ids)])
            elif kind == "outcome":
                store.outcomes.put_many([Outcome(
                    id=f"out-x{n}", request_id=data.draw(st.sampled_from([None, *ids])), issue_id="INC-0",
                    expert_id="ann", resolution_achieved=data.draw(st.booleans()),
                    rating=data.draw(st.sampled_from([None, 2, 4])), created_at=data.draw(moments),
                    time_to_resolution_minutes=data.draw(st.one_of(st.none(), st.floats(0, 900))))])
            elif kind == "drop-outcome":
                _drop(store, "outcomes", n)
            elif kind == "correction":
                store.corrections.put_many([Correction(
                    id=f"cor-x{n}", request_id="req-0", expert_id="bob", field="maker",
                    created_at=data.draw(moments), profile=data.draw(st.sampled_from(["appraisal", "x"])))])
            elif kind == "drop-correction":
                _drop(store, "corrections", n)
            same_reports(store, live)
            assert steady.report(30, NOW) == counted(store, 30, NOW), kind
        live.close()
        steady.close()
    finally:
        store.close()


def _drop(store: Store, kind: str, n: int) -> None:
    docs = store.journal.tables.get(kind, {})
    keys = list(docs)
    if keys:
        with store.journal.transaction():
            store.db.table(kind).remove(doc_ids=[int(keys[n % len(keys)])])


WRITER = """
import sys
from datetime import datetime, timedelta, UTC
from triagedesk.store.database import open_store
from triagedesk.domain.records import ExpertRequest
store = open_store(sys.argv[1])
now = datetime.fromisoformat(sys.argv[2])
store.requests.put_many([ExpertRequest(id=f"req-w{n}", analysis_id=f"INC-w{n}", submitted_at=now - timedelta(hours=n),
                                       status="completed", completed_at=now - timedelta(hours=n, minutes=-30),
                                       price=25.0) for n in range(5)])
store.close()
"""


def test_another_process_writes_and_the_report_follows(tmp_path: Path) -> None:
    store = open_store(tmp_path / "desk.json")
    try:
        store.experts.put_many(EXPERTS)
        live = LiveReport(store, PROFILES)
        assert live.report(DAYS, NOW)["total_requests"] == 0
        subprocess.run([sys.executable, "-c", WRITER, str(tmp_path / "desk.json"), NOW.isoformat()], check=True)
        got = live.report(DAYS, NOW)
        assert got["total_requests"] == 5 and got["completed"] == 5
        assert got == counted(store, DAYS, NOW)
        live.close()
    finally:
        store.close()


def test_a_change_is_applied_not_recounted(tmp_path: Path, monkeypatch: Any) -> None:
    store = open_store(tmp_path / "desk.json")
    try:
        from triagedesk.domain.records import ExpertRequest

        store.requests.put_many([ExpertRequest(id=f"req-{n}", analysis_id=f"INC-{n}",
                                               submitted_at=NOW - timedelta(hours=n)) for n in range(40)])
        live = LiveReport(store, PROFILES)
        live.report(DAYS, NOW)
        builds: list[int] = []
        monkeypatch.setattr(live, "_build", lambda: builds.append(1))
        store.requests.put_many([ExpertRequest(id="req-3", analysis_id="INC-3", submitted_at=NOW - timedelta(hours=3),
                                               status="cancelled")])
        assert live.report(DAYS, NOW)["cancelled"] == 1
        assert builds == []
        live.close()
    finally:
        store.close()


def test_removed_and_changed_records_are_taken_back(tmp_path: Path) -> None:
    from triagedesk.domain.records import ExpertRequest

    store = open_store(tmp_path / "desk.json")
    try:
        at = NOW - timedelta(days=3)  # a day inside the period: counted from its tally, not its records
        store.requests.put_many([ExpertRequest(id="req-1", analysis_id="INC-1", submitted_at=at, status="completed",
                                               completed_at=at + timedelta(hours=2), price=150.0)])
        store.outcomes.put_many([Outcome(id="out-1", request_id="req-1", issue_id="INC-1", expert_id="ann",
                                         resolution_achieved=False, rating=2, created_at=at)])
        store.corrections.put_many([Correction(id="cor-1", request_id="req-1", expert_id="bob", field="maker",
                                               created_at=at, profile="appraisal")])
        live = LiveReport(store, PROFILES)
        before = live.report(DAYS, NOW)
        assert (before["success_rate"], before["corrections_by_field"]) == (0.0, {"maker": 1})
        _drop(store, "corrections", 0)
        _drop(store, "outcomes", 0)
        after = live.report(DAYS, NOW)
        assert (after["success_rate"], after["corrections_by_field"]) == (1.0, {})
        assert after == counted(store, DAYS, NOW)
        store.requests.delete("req-1")
        assert live.report(DAYS, NOW) == counted(store, DAYS, NOW)
        assert live.report(DAYS, NOW)["total_requests"] == 0
        live.close()
    finally:
        store.close()


def test_a_deferred_count_answers_at_once_then_keeps_in_step(tmp_path: Path) -> None:
    from triagedesk.domain.records import ExpertRequest

    store = open_store(tmp_path / "desk.json")
    try:
        store.requests.put_many([ExpertRequest(id=f"req-{n}", analysis_id=f"INC-{n}", status="completed",
                                               submitted_at=NOW - timedelta(days=n % 5, hours=n),
                                               completed_at=NOW - timedelta(days=n % 5)) for n in range(30)])
        live = LiveReport(store, PROFILES, deferred=True)
        assert live.report(DAYS, NOW) == counted(store, DAYS, NOW)  # counted from the columns; the days follow
        store.requests.put_many([ExpertRequest(id="req-7", analysis_id="INC-7", status="cancelled",
                                               submitted_at=NOW - timedelta(days=3))])
        got = live.report(DAYS, NOW)  # waits for the days' tallies, then applies the change
        assert got["cancelled"] == 1
        assert got == counted(store, DAYS, NOW)
        live.close()
    finally:
        store.close()
