"""The report on a small history computed by hand; empty periods give zeros and nulls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from triagedesk.domain.insight.analytics import histogram, markdown, report
from triagedesk.domain.models import Expert
from triagedesk.domain.records import Correction, ExpertRequest, Outcome
from triagedesk.resources import load_profile

PROFILES = {"appraisal": load_profile("appraisal").model_copy(update={"expert_hourly_rate": 120.0})}

NOW = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)


def req(n: int, status: str, submitted: datetime, **kw) -> ExpertRequest:
    return ExpertRequest(id=f"r{n}", analysis_id=f"i{n}", profile="appraisal", status=status, submitted_at=submitted,
                         **kw)


def history() -> tuple[list[ExpertRequest], list[Outcome], list[Correction]]:
    s = NOW - timedelta(days=5)
    requests = [
        # on time: assigned after 30 min, done in 10 h (due 24 h)
        req(1, "completed", s, price=25, tier_id="quick-review", urgency="medium", assigned_expert_id="ann",
            assigned_at=s + 0.5 * H, started_at=s + H, completed_at=s + 10 * H, due_at=s + 24 * H),
        # late: assigned after 90 min, done in 30 h (due 24 h) -> refund due
        req(2, "completed", s, price=150, tier_id="full-authentication", urgency="high", assigned_expert_id="ann",
            assigned_at=s + 1.5 * H, started_at=s + 2 * H, completed_at=s + 30 * H, due_at=s + 24 * H),
        # refunded after a late completion in 50 h (due 48 h)
        req(3, "refunded", s, price=500, tier_id="premium-appraisal", urgency="high", assigned_expert_id="bob",
            assigned_at=s + 2 * H, started_at=s + 3 * H, completed_at=s + 50 * H, due_at=s + 48 * H),
        req(4, "cancelled", s, price=25, urgency="medium"),
        req(5, "pending_assignment", s, urgency="low"),
        # outside the 30-day window: ignored
        req(6, "completed", NOW - timedelta(days=40), price=25, completed_at=NOW - timedelta(days=39)),
    ]
    outcomes = [
        Outcome(request_id="r1", issue_id="i1", expert_id="ann", resolution_achieved=True, rating=5,
                time_to_resolution_minutes=120, created_at=s + 10 * H),
        Outcome(request_id="r2", issue_id="i2", expert_id="ann", resolution_achieved=False, rating=3,
                time_to_resolution_minutes=240, created_at=s + 30 * H),
    ]
    corrections = [
        Correction(request_id="r1", expert_id="ann", field="maker", created_at=s + 10 * H, category="silver",
                   profile="appraisal"),
        Correction(request_id="r2", expert_id="ann", field="maker", created_at=s + 30 * H, category="silver",
                   profile="appraisal"),
        Correction(request_id="r3", expert_id="bob", field="period", created_at=s + 50 * H, category="art",
                   profile="appraisal"),
    ]
    return requests, outcomes, corrections


def test_report_by_hand() -> None:
    requests, outcomes, corrections = history()
    data = report(requests, [Expert(id="ann", name="Ann"), Expert(id="bob", name="Bob")], corrections, outcomes,
                  PROFILES, NOW, 30)
    assert data["total_requests"] == 5
    assert (data["completed"], data["cancelled"], data["refunded"], data["open"]) == (3, 1, 1, 1)
    # success: r1 resolved; r2's outcome says not resolved; r3 has no outcome and was refunded -> 1 of 3
    assert data["success_rate"] == pytest.approx(1 / 3, abs=1e-4)
    # resolution: (10 + 30 + 50) / 3 = 30 h
    assert data["avg_resolution_hours"] == 30.0
    # time to assign: (30 + 90 + 120) / 3 = 80 minutes
    assert data["mtta_minutes"] == 80.0
    # on time: r1 only -> 1 of 3
    assert data["sla_compliance"] == pytest.approx(0.3333)
    assert (data["refunds_due"], data["refund_exposure"]) == (2, 650.0)
    # revenue: completed and not refunded: 25 + 150
    assert data["revenue"] == 175.0
    # expert time: r1 120 min, r2 240 min (outcomes), r3 47 h (started -> completed) = 2 + 4 + 47 h
    assert data["expert_hours"] == 53.0
    # cost: 53 h x $120 = $6,360 over 1 resolved
    assert data["cost_per_resolution"] == 6360.0
    ann = next(e for e in data["experts"] if e["expert_id"] == "ann")
    # Ann: r1 9.5 h and r2 28.5 h from assignment -> 19 h; 1 of 2 on time; 2 corrections; ratings 5 and 3
    assert ann == {"expert_id": "ann", "name": "Ann", "assigned": 2, "completed": 2, "avg_turnaround_hours": 19.0,
                   "sla_compliance": 0.5, "corrections": 2, "rating": 4.0}
    assert data["corrections_by_field"] == {"maker": 2, "period": 1}
    assert data["sla_by_tier"] == {"full-authentication": 0.0, "premium-appraisal": 0.0, "quick-review": 1.0}
    # resolution times 10, 30 and 50 h: about 12 bins of a round width from 0 -> 5 h bins, the last holding 50 h
    bins = data["resolution_histogram"]
    assert bins[0] == {"from": 0.0, "to": 5.0, "count": 0} and len(bins) == 11
    assert [(b["from"], b["count"]) for b in bins if b["count"]] == [(10.0, 1), (30.0, 1), (50.0, 1)]
    text = markdown(data)
    assert "- Total Escalations: 5" in text and "- Success Rate: 33.3%" in text
    assert "- Cost per Resolution: $6,360.00" in text


def test_empty_period_gives_zeros_and_nulls() -> None:
    data = report([], [], [], [], {}, NOW, 7)
    assert data["total_requests"] == 0 and data["completed"] == 0
    for key in ("success_rate", "avg_resolution_hours", "mtta_minutes", "sla_compliance", "cost_per_resolution"):
        assert data[key] is None
    assert data["experts"] == [] and data["refund_exposure"] == 0 and data["resolution_histogram"] == []
    assert "n/a" in markdown(data)
    assert len(data["daily"]) == 8


def test_histogram_bins_are_round_and_start_at_zero() -> None:
    assert histogram([0.5, 3, 7.9, 24, 147.8]) == [
        {"from": 20.0 * i, "to": 20.0 * (i + 1), "count": n} for i, n in enumerate([3, 1, 0, 0, 0, 0, 0, 1])]
    assert histogram([0.0, 0.0]) == [{"from": 0.0, "to": 1.0, "count": 2}]
    assert sum(b["count"] for b in histogram([x / 7 for x in range(1000)])) == 1000  # every value in one bin


def test_training_gap_opportunity() -> None:
    s = NOW - timedelta(days=2)
    requests = [req(n, "completed", s, completed_at=s + H, assigned_at=s, due_at=s + 24 * H, item_category="silver")
                for n in range(10)]
    corrections = [Correction(request_id=f"r{n}", expert_id="ann", field="maker", created_at=s + H,
                              profile="appraisal") for n in range(4)]
    data = report(requests, [], corrections, [], PROFILES, NOW, 30)
    assert any(o.startswith("Training gap: experts corrected the automated maker in 40% of the 10 completed "
                            "appraisal requests") for o in data["opportunities"])
    assert any(o.startswith("Automation candidate: silver") for o in data["opportunities"])


def test_training_gap_counts_only_completed_requests_corrections() -> None:
    """Review of #20, finding 15: corrections on an open request are not over the completed requests' base."""
    t0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    done = [ExpertRequest(id=f"req-{n}", analysis_id=f"APR-{n}", profile="appraisal", status="completed",
                          submitted_at=t0, assigned_at=t0, completed_at=t0 + 5 * H, due_at=t0 + 48 * H)
            for n in range(10)]
    open_one = ExpertRequest(id="req-open", analysis_id="APR-open", profile="appraisal", status="in_review",
                             submitted_at=t0, assigned_at=t0, started_at=t0, due_at=t0 + 48 * H)
    corrections = [Correction(request_id="req-open", expert_id="expert-456", profile="appraisal", field="maker",
                              original_value="unknown", corrected_value=f"Paul Storr {n}", created_at=t0 + H)
                   for n in range(3)]
    profiles = {"appraisal": load_profile("appraisal")}
    data = report([*done, open_one], [], corrections, [], profiles, t0 + timedelta(days=1), 30)
    rate = data["correction_rates"].get("appraisal", {}).get("maker", 0.0)
    gaps = [line for line in data["opportunities"] if line.startswith("Training gap")]
    assert rate == 0.0 and gaps == [], (rate, gaps)  # no completed appraisal request had its maker corrected
    assert data["corrections_by_field"] == {"maker": 3}  # still counted as corrections made in the period
    later = [c.model_copy(update={"request_id": f"req-{n}"}) for n, c in enumerate(corrections)]
    data = report([*done, open_one], [], later, [], profiles, t0 + timedelta(days=1), 30)
    assert data["correction_rates"]["appraisal"]["maker"] == 0.3  # the same three, on completed requests
    assert [g for g in data["opportunities"] if g.startswith("Training gap")]
