"""The day book's tests' shared steps: stores of random report histories folded into a snapshot, writes on top,
and the book's report checked against the report counted from every record (tests/app/test_report_days*.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from tests.support.compacting import compacted
from tests.support.report_histories import DAYS, EXPERTS, NOW, PROFILES, drop, moments, requests
from triagedesk.app import report_days
from triagedesk.domain.insight.analytics import report
from triagedesk.domain.records import Correction, ExpertRequest, Outcome
from triagedesk.store.database import open_store
from triagedesk.store.repositories import Store

MIDNIGHT = datetime(2026, 3, 31, tzinfo=UTC)
ENDS = [NOW, MIDNIGHT, MIDNIGHT - timedelta(microseconds=1), MIDNIGHT + timedelta(microseconds=1),
        NOW.astimezone(timezone(timedelta(hours=-9, minutes=-30))), MIDNIGHT.astimezone(timezone(timedelta(hours=14))),
        NOW + timedelta(hours=13)]


def counted(store: Store, days: int, now: datetime) -> dict[str, Any]:
    return report(store.requests.all(), EXPERTS, store.corrections.all(), store.outcomes.all(), PROFILES, now, days)


def booked(store: Store, days: int, now: datetime) -> dict[str, Any]:
    return report_days.report(store, PROFILES, now, days)


def same_reports(store: Store) -> None:
    for days in (DAYS, 1, 30):
        for now in ENDS:
            assert booked(store, days, now) == counted(store, days, now), (days, now)


def _store(tmp_path: Path, history: Any) -> Store:
    reqs, outcomes, corrections = history
    tmp_path.mkdir(parents=True, exist_ok=True)
    store = open_store(tmp_path / f"desk-{len(list(tmp_path.iterdir()))}.json")
    store.experts.put_many(EXPERTS)
    store.requests.put_many(reqs)
    store.outcomes.put_many(outcomes)
    store.corrections.put_many(corrections)
    compacted(store.journal)
    return store


def _write(store: Store, kind: str, n: int, data: Any) -> None:
    ids = [r.id for r in store.requests.all()]
    if kind == "request":
        store.requests.put_many([data.draw(requests(n))])
    elif kind == "drop-request" and ids:
        store.requests.delete(ids[n % len(ids)])
    elif kind == "outcome":
        store.outcomes.put_many([Outcome(
            id=f"out-{n % 6}", request_id=data.draw(st.sampled_from([None, *ids])), issue_id="INC-0",
            expert_id="ann", resolution_achieved=data.draw(st.booleans()),
            rating=data.draw(st.sampled_from([None, 2, 4])), created_at=data.draw(moments),
            time_to_resolution_minutes=data.draw(st.one_of(st.none(), st.floats(0, 900))))])
    elif kind == "drop-outcome":
        drop(store, "outcomes", n)
    elif kind == "correction":
        store.corrections.put_many([Correction(
            id=f"cor-{n % 6}", request_id=data.draw(st.sampled_from(["", *ids])), expert_id="bob", field="maker",
            created_at=data.draw(moments), profile=data.draw(st.sampled_from(["appraisal", "x"])))])
    elif kind == "drop-correction":
        drop(store, "corrections", n)


def _folded(tmp_path: Path) -> Store:
    at = NOW - timedelta(days=3)
    reqs = [ExpertRequest(id=f"req-{n}", analysis_id=f"INC-{n}", submitted_at=at - timedelta(hours=n),
                          status="completed", completed_at=at, price=25.0 * n, due_at=at - timedelta(hours=1))
            for n in range(30)]
    outcomes = [Outcome(id=f"out-{n}", request_id=f"req-{n}", issue_id="INC-0", expert_id="ann",
                        resolution_achieved=n % 2 == 0, rating=1 + n % 5, created_at=at) for n in range(20)]
    corrections = [Correction(id=f"cor-{n}", request_id=f"req-{n}", expert_id="bob", field="maker", created_at=at,
                              profile="appraisal") for n in range(10)]
    return _store(tmp_path, (reqs, outcomes, corrections))
