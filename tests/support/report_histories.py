"""Random report histories (requests, outcomes, corrections) with times on and one microsecond beyond both ends
of the period: what the report's paths are checked against."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from triagedesk.domain.models import Expert
from triagedesk.domain.records import REQUEST_STATUSES, Correction, ExpertRequest, Outcome
from triagedesk.resources import load_profile

NOW = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
DAYS = 7
PROFILES = {"infrastructure": load_profile("infrastructure").model_copy(update={"expert_hourly_rate": 150.0}),
            "appraisal": load_profile("appraisal").model_copy(update={"expert_hourly_rate": 0.0})}
RATES = {name: p.expert_hourly_rate for name, p in PROFILES.items()}
EXPERTS = [Expert(id="ann", name="Ann"), Expert(id="bob", name="Bob")]
US = timedelta(microseconds=1)
EDGES = [NOW - timedelta(days=DAYS) - US, NOW - timedelta(days=DAYS), NOW - timedelta(days=DAYS) + US,
         NOW - US, NOW, NOW + US]

moments = st.one_of(st.sampled_from(EDGES),
                    st.integers(-60 * 24 * (DAYS + 2), 60 * 24).map(lambda m: NOW + timedelta(minutes=m)))
offsets = st.one_of(st.none(), st.integers(-60, 60 * 24 * 3).map(lambda m: timedelta(minutes=m, microseconds=7)))
prices = st.one_of(st.sampled_from([0.0, 25.0, 150.0, 500.0]), st.floats(0, 1e4, allow_nan=False).map(
    lambda p: round(p, 2)))


@st.composite
def requests(draw: Any, n: int) -> ExpertRequest:
    submitted = draw(moments)

    def after() -> datetime | None:
        offset = draw(offsets)
        return None if offset is None else submitted + offset

    return ExpertRequest(
        id=f"req-{n}", analysis_id=f"INC-{n}", profile=draw(st.sampled_from(["infrastructure", "appraisal", "x"])),
        status=draw(st.sampled_from(REQUEST_STATUSES)), urgency=draw(st.sampled_from(["critical", "high", "low"])),
        assigned_expert_id=draw(st.sampled_from([None, "", "ann", "bob", "eve"])), submitted_at=submitted,
        assigned_at=after(), started_at=after(), completed_at=after(), due_at=after(), price=draw(prices),
        tier_id=draw(st.sampled_from([None, "", "quick", "full"])),
        item_category=draw(st.sampled_from([None, "", "silver", "network"])))


@st.composite
def histories(draw: Any) -> tuple[list[ExpertRequest], list[Outcome], list[Correction]]:
    count = draw(st.integers(0, 14))
    reqs = [draw(requests(n)) for n in range(count)]
    outcomes = [Outcome(
        id=f"out-{k}", request_id=draw(st.sampled_from([None, *(r.id for r in reqs)])), issue_id="INC-0",
        expert_id=draw(st.sampled_from(["ann", "bob"])), resolution_achieved=draw(st.booleans()),
        rating=draw(st.sampled_from([None, 1, 3, 5])), created_at=draw(moments),
        time_to_resolution_minutes=draw(st.one_of(st.none(), st.floats(0, 5000, allow_nan=False))))
        for k in range(draw(st.integers(0, 8)))]
    corrections = [Correction(
        id=f"cor-{k}", request_id=draw(st.sampled_from(["", "req-0", *(r.id for r in reqs)])),
        expert_id=draw(st.sampled_from(["ann", "bob", "eve"])),
        field=draw(st.sampled_from(["maker", "period", "urgency"])), created_at=draw(moments),
        category=draw(st.sampled_from([None, "silver"])),
        profile=draw(st.sampled_from(["appraisal", "infrastructure", "x"]))) for k in range(draw(st.integers(0, 8)))]
    return reqs, outcomes, corrections


def drop(store: Any, kind: str, n: int) -> None:
    """Remove the `n`th record of `kind` (counted round), as a raw write: an outcome or correction taken away."""
    docs = store.journal.tables.get(kind, {})
    keys = list(docs)
    if keys:
        with store.journal.transaction():
            store.db.table(kind).remove(doc_ids=[int(keys[n % len(keys)])])
