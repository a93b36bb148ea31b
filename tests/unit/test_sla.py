"""SLA arithmetic across weekends, timezones, DST changes and pauses; breaches, refunds and suggestions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from triagedesk.domain.models import Expert
from triagedesk.domain.records import ExpertRequest
from triagedesk.domain.requests.sla import clock, due_at, refund_exposure, suggestions
from triagedesk.domain.routing.calendar import BusinessHours

UTC = UTC
EIGHT_BY_FIVE = {"business_hours": "8x5", "after_hours": "emergency_only", "response_sla": "1_hour"}


def test_add_working_minutes_skips_nights_and_weekends() -> None:
    ny = BusinessHours("America/New_York", 9, 17)
    # Friday 2026-01-09 16:00 EST (21:00 UTC) + 120 working minutes: 1 h Friday, 1 h Monday -> Mon 10:00 EST
    friday = datetime(2026, 1, 9, 21, 0, tzinfo=UTC)
    assert ny.add_working_minutes(friday, 120) == datetime(2026, 1, 12, 15, 0, tzinfo=UTC)
    # starting on Saturday: the clock starts Monday 09:00
    saturday = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
    assert ny.add_working_minutes(saturday, 30) == datetime(2026, 1, 12, 14, 30, tzinfo=UTC)
    assert ny.working_minutes_between(friday, datetime(2026, 1, 12, 15, 0, tzinfo=UTC)) == pytest.approx(120)


def test_dst_change_inside_a_due_time() -> None:
    ny = BusinessHours("America/New_York", 9, 17)
    # US clocks go forward Sunday 2026-03-08. Friday 16:00 EST = 21:00 UTC; Monday 09:00 EDT = 13:00 UTC
    friday = datetime(2026, 3, 6, 21, 0, tzinfo=UTC)
    assert ny.add_working_minutes(friday, 90) == datetime(2026, 3, 9, 13, 30, tzinfo=UTC)


def test_timezones_differ(infra) -> None:
    tokyo = Expert(id="t", timezone="Asia/Tokyo", availability=EIGHT_BY_FIVE)
    lisbon = Expert(id="l", timezone="Europe/Lisbon", availability=EIGHT_BY_FIVE)
    # assigned Monday 2026-01-05 10:00 UTC: 19:00 in Tokyo (closed), 10:00 in Lisbon (open)
    assigned = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    request = ExpertRequest(analysis_id="i", profile="infrastructure", urgency="medium", status="assigned",
                            submitted_at=assigned, assigned_at=assigned)
    # budget = 60-minute response SLA + 60 minutes of medium effort = 120 working minutes
    assert due_at(request, infra, lisbon, 60) == datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    # Tokyo opens Tuesday 09:00 JST = Monday 24:00 UTC
    assert due_at(request, infra, tokyo, 60) == datetime(2026, 1, 6, 2, 0, tzinfo=UTC)


def test_twenty_four_seven_and_emergency_cover(infra) -> None:
    saturday = datetime(2026, 1, 10, 3, 0, tzinfo=UTC)
    request = ExpertRequest(analysis_id="i", profile="infrastructure", urgency="critical", status="assigned",
                            submitted_at=saturday, assigned_at=saturday)
    emergency = Expert(id="e", timezone="Europe/Madrid", availability=EIGHT_BY_FIVE)
    # critical + emergency-only cover: every minute counts: 60 + 120 minutes
    assert due_at(request, infra, emergency, 120) == saturday + timedelta(minutes=180)
    medium = request.model_copy(update={"urgency": "medium"})
    assert due_at(medium, infra, emergency, 60) == datetime(2026, 1, 12, 10, 0, tzinfo=UTC)  # Mon 09:00 CET + 2 h


def test_tier_turnaround_and_pauses(appraisal) -> None:
    submitted = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    request = ExpertRequest(analysis_id="a", profile="appraisal", tier_id="full-authentication", price=150,
                            status="in_review", submitted_at=submitted, assigned_at=submitted)
    assert due_at(request, appraisal, None) == submitted + timedelta(hours=48)
    waited = request.model_copy(update={"paused_minutes": 90})
    assert due_at(waited, appraisal, None) == submitted + timedelta(hours=48, minutes=90)


def test_clock_states_fractions_and_pause(appraisal) -> None:
    submitted = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    request = ExpertRequest(analysis_id="a", profile="appraisal", tier_id="quick-review", price=25,
                            status="in_review", submitted_at=submitted, due_at=submitted + timedelta(hours=24))
    ok = clock(request, appraisal, None, submitted + timedelta(hours=6))
    assert (ok.state, ok.left_minutes, ok.fraction_left) == ("ok", 18 * 60, 0.75)
    risky = clock(request, appraisal, None, submitted + timedelta(hours=20))
    assert risky.state == "at_risk" and risky.fraction_left == pytest.approx(4 / 24) and risky.price_at_risk == 25
    late = clock(request, appraisal, None, submitted + timedelta(hours=25))
    assert late.state == "breached" and late.left_minutes == -60
    waiting = request.model_copy(update={"status": "waiting", "waiting_since": submitted + timedelta(hours=6)})
    frozen = clock(waiting, appraisal, None, submitted + timedelta(hours=23))
    assert frozen.state == "paused" and frozen.left_minutes == 18 * 60  # the clock stopped at the wait
    assert refund_exposure([ok, risky, late, frozen]) == 50


def test_completed_late_is_flagged_for_refund(appraisal) -> None:
    submitted = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    request = ExpertRequest(analysis_id="a", profile="appraisal", tier_id="quick-review", price=25, status="completed",
                            submitted_at=submitted, due_at=submitted + timedelta(hours=24),
                            completed_at=submitted + timedelta(hours=25))
    result = clock(request, appraisal, None, submitted + timedelta(days=3))
    assert result.state == "missed" and result.refund_due


def test_suggestions(infra) -> None:
    assigned = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    expert = Expert(id="x", availability={"response_sla": "30_minutes"})
    request = ExpertRequest(analysis_id="i", profile="infrastructure", urgency="high", status="assigned",
                            submitted_at=assigned, assigned_at=assigned, assigned_expert_id="x",
                            due_at=assigned + timedelta(minutes=120))
    at = assigned + timedelta(minutes=45)
    timer = clock(request, infra, expert, at)
    assert suggestions(request, timer, expert, at) == [
        "Not acknowledged 15 min past the 30 min response SLA: offer the next candidate"]
    late = assigned + timedelta(minutes=121)
    breached = clock(request, infra, expert, late)
    assert suggestions(request, breached, expert, late)[0] == "SLA breached: escalate to a senior expert"


@pytest.mark.parametrize("assigned", [False, True])
@pytest.mark.parametrize("with_expert", [False, True])
@pytest.mark.parametrize("tier", [None, "standard", "express", "no-such-tier"])
@pytest.mark.parametrize("urgency", ["critical", "high", "medium", "low"])
def test_the_budget_from_stored_fields_is_the_models(infra, appraisal, assigned, with_expert, tier, urgency) -> None:
    """The queue reads a request's budget from its stored fields (`budget_for`), the clock from the model
    (`budget_minutes`): one rule, the same minutes."""
    from triagedesk.domain.requests.sla import budget_for, budget_minutes

    expert = Expert(id="e1", name="E", specializations=["db"]) if with_expert else None
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    for profile in (infra, appraisal):
        request = ExpertRequest(id="r1", analysis_id="i1", urgency=urgency, tier_id=tier, submitted_at=start,
                                assigned_at=start + timedelta(minutes=5) if assigned else None)
        expected = budget_minutes(request, profile, expert)[1]
        assert budget_for(tier, urgency, assigned, profile, expert) == expected > 0
