"""The request's SLA targets: calendars, DST, pauses, the paid path; one function that every display reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.clock import T0
from triagedesk.app.queue import Stored
from triagedesk.domain.models import URGENCIES, URGENCY_RANK, Decision, Expert
from triagedesk.domain.records import ExpertRequest
from triagedesk.domain.requests import clocks, moves
from triagedesk.domain.requests.clocks import clocks as read_clocks
from triagedesk.domain.requests.clocks import pressing, refund_exposure, targets
from triagedesk.domain.requests.suggestions import suggestions
from triagedesk.domain.routing.calendar import BusinessHours

EIGHT_BY_FIVE = {"business_hours": "8x5", "after_hours": "emergency_only", "response_sla": "1_hour"}


def test_add_working_minutes_skips_nights_and_weekends() -> None:
    ny = BusinessHours("America/New_York", 9, 17)
    friday = datetime(2026, 1, 9, 21, 0, tzinfo=UTC)  # Friday 16:00 EST + 120 minutes: Monday 10:00 EST
    assert ny.add_working_minutes(friday, 120) == datetime(2026, 1, 12, 15, 0, tzinfo=UTC)
    saturday = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
    assert ny.add_working_minutes(saturday, 30) == datetime(2026, 1, 12, 14, 30, tzinfo=UTC)
    assert ny.working_minutes_between(friday, datetime(2026, 1, 12, 15, 0, tzinfo=UTC)) == pytest.approx(120)


def test_dst_change_inside_a_due_time() -> None:
    ny = BusinessHours("America/New_York", 9, 17)
    friday = datetime(2026, 3, 6, 21, 0, tzinfo=UTC)  # Friday 16:00 EST; Monday 09:00 EDT is 13:00 UTC
    assert ny.add_working_minutes(friday, 90) == datetime(2026, 3, 9, 13, 30, tzinfo=UTC)


def test_the_acknowledge_target_is_on_the_experts_calendar(infra) -> None:
    tokyo = Expert(id="t", timezone="Asia/Tokyo", availability=EIGHT_BY_FIVE)
    lisbon = Expert(id="l", timezone="Europe/Lisbon", availability=EIGHT_BY_FIVE)
    assigned = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)  # 19:00 in Tokyo (closed), 10:00 in Lisbon (open)
    assert clocks.due_for_ack(assigned, infra, lisbon, "medium") == datetime(2026, 1, 5, 11, 0, tzinfo=UTC)
    assert clocks.due_for_ack(assigned, infra, tokyo, "medium") == datetime(2026, 1, 6, 1, 0, tzinfo=UTC)
    assert clocks.due_for_ack(assigned, infra, tokyo, "critical") == assigned + timedelta(hours=1)  # emergency


def test_the_resolve_budget_is_the_tier_or_the_window_plus_the_expert_time(infra, appraisal) -> None:
    assert clocks.resolve_budget(appraisal, "full-authentication", "high") == 48 * 60
    assert clocks.resolve_budget(infra, None, "critical", 120) == 15 + 120
    assert clocks.resolve_budget(infra, None, "medium") == 240 + 60


def _request(**fields: object) -> ExpertRequest:
    base: dict[str, object] = {"id": "r", "analysis_id": "a", "profile": "appraisal", "tier_id": "quick-review",
                               "price": 25.0, "status": "in_review", "submitted_at": T0,
                               "due_at": T0 + timedelta(hours=24)}
    return ExpertRequest.model_validate({**base, **fields})


def _resolve(request: ExpertRequest, profile, at: datetime):
    return next(c for c in read_clocks(request, profile, None, at) if c.target == "resolve")


def test_resolve_states_fractions_and_the_pause(appraisal) -> None:
    request = _request()
    ok = _resolve(request, appraisal, T0 + timedelta(hours=6))
    assert (ok.state, ok.left_minutes, ok.fraction_left) == ("ok", 18 * 60, 0.75)
    risky = _resolve(request, appraisal, T0 + timedelta(hours=20))
    assert risky.state == "at_risk" and risky.price_at_risk == 25
    late = _resolve(request, appraisal, T0 + timedelta(hours=25))
    assert late.state == "breached" and late.left_minutes == -60
    waiting = request.model_copy(update={"status": "waiting", "waiting_since": T0 + timedelta(hours=6)})
    frozen = _resolve(waiting, appraisal, T0 + timedelta(hours=23))
    assert frozen.state == "paused" and frozen.left_minutes == 18 * 60
    assert refund_exposure([ok, risky, late, frozen]) == 50
    pushed = _resolve(request.model_copy(update={"paused_minutes": 90.0}), appraisal, T0 + timedelta(hours=6))
    assert pushed.due_at == T0 + timedelta(hours=25, minutes=30) and pushed.budget_minutes == 24 * 60


def test_a_paid_tier_has_no_clock_until_it_is_paid(appraisal) -> None:
    unpaid = _request(status="pending_payment", due_at=None)
    assert read_clocks(unpaid, appraisal, None, T0 + timedelta(days=9)) == ()
    paid = _request(status="pending_assignment", paid_at=T0 + timedelta(days=3), due_at=T0 + timedelta(days=4))
    found = _resolve(paid, appraisal, T0 + timedelta(days=3, hours=12))
    assert found.state == "ok" and found.budget_minutes == 24 * 60


def test_completed_late_is_missed_and_owed(appraisal) -> None:
    done = _request(status="completed", completed_at=T0 + timedelta(hours=25))
    found = _resolve(done, appraisal, T0 + timedelta(days=3))
    assert found.state == "missed" and found.refund_due


def test_an_unacknowledged_assignment_is_the_pressing_clock_and_suggests_the_next_candidate(infra) -> None:
    expert = Expert(id="x", availability={"response_sla": "30_minutes"})
    request = ExpertRequest(id="r", analysis_id="i", profile="infrastructure", urgency="high", status="assigned",
                            submitted_at=T0, assigned_at=T0, assigned_expert_id="x",
                            due_at=T0 + timedelta(minutes=120))
    found = read_clocks(request, infra, expert, T0 + timedelta(minutes=45))
    assert {c.target for c in found} == {"resolve", "acknowledge"}
    shown = pressing(found)
    assert shown is not None and shown.target == "acknowledge" and shown.state == "breached"
    assert [s.text for s in suggestions("assigned", found)] == [
        "Not acknowledged 15 min past the 30 min response SLA: offer the next candidate"]
    acked = request.model_copy(update={"acknowledged_at": T0 + timedelta(minutes=10)})
    later = read_clocks(acked, infra, expert, T0 + timedelta(minutes=121))
    assert next(c for c in later if c.target == "acknowledge").state == "met"
    assert suggestions("assigned", later)[0].text == "SLA breached: escalate to a senior expert"


def test_a_business_hours_expert_reads_the_same_at_night_from_every_source(infra) -> None:
    """The issue's reproduction: the queue read `2h13` (wall clock) while Timers read breached. Both read here."""
    berlin = Expert(id="b", timezone="Europe/Berlin", availability={"business_hours": "8x5",
                                                                     "after_hours": "none", "response_sla": "1_hour"})
    friday_evening = datetime(2026, 1, 9, 16, 30, tzinfo=UTC)  # 17:30 Berlin: closed
    request = ExpertRequest(id="r", analysis_id="i", profile="infrastructure", urgency="medium", status="assigned",
                            submitted_at=friday_evening, assigned_at=friday_evening, assigned_expert_id="b",
                            due_at=friday_evening + timedelta(hours=5))
    night = friday_evening + timedelta(hours=6)
    model = {t.name: t.left_minutes(night) for t in targets(request, infra, berlin)}
    stored = Stored.of(request.model_dump(mode="json"))
    assert stored is not None
    light = {t.name: t.left_minutes(night) for t in targets(stored, infra, berlin)}
    assert model == light and model["acknowledge"] == 60  # Monday 09:00 Berlin opens its hour


@settings(max_examples=200, deadline=None)
@given(start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1), timezones=st.just(UTC)),
       minutes=st.floats(min_value=0, max_value=20_000), step=st.integers(min_value=1, max_value=5000))
def test_left_minutes_falls_by_the_working_minutes_elapsed(start: datetime, minutes: float, step: int) -> None:
    """For any calendar, moving time forward takes exactly the working minutes between the two instants."""
    calendar = BusinessHours("Europe/Berlin", 9, 17)
    due = calendar.add_working_minutes(start, minutes)
    target = clocks.Target("acknowledge", start, due, minutes, calendar)
    later = start + timedelta(minutes=step)
    drop = target.left_minutes(start) - target.left_minutes(later)
    assert drop == pytest.approx(calendar.working_minutes_between(start, later), abs=1e-6)


def _decision(urgency: str, effort: int | None) -> Decision:
    return Decision(issue_id="a", profile="infrastructure", should_escalate=True, urgency=urgency,  # type: ignore[arg-type]
                    score=0.5, business_impact=None, factors={}, triggers=[], reasons=[], recommended_tier=None,
                    recommended_expert_type=None, expert_level=None, response_due_minutes=None,
                    estimated_expert_minutes=effort, message="")


URGENCY = st.sampled_from(URGENCIES)


@settings(max_examples=200, deadline=None)
@given(URGENCY, URGENCY, st.integers(0, 600), st.integers(-3000, 3000), st.sampled_from(["pending_assignment",
       "assigned", "in_review", "waiting", "completed", "cancelled"]))
def test_a_raised_urgency_never_lowers_nor_moves_a_target_later_and_agrees_with_escalating(
        infra, was: str, now: str, effort: int, skew: int, status: str) -> None:
    request = ExpertRequest(id="r", analysis_id="a", profile="infrastructure", status=status,  # type: ignore[arg-type]
                            urgency=was, submitted_at=T0, due_at=T0 + timedelta(minutes=600 + skew))  # type: ignore[arg-type]
    raised = moves.raised(request, infra, _decision(now, effort))
    if status in ("completed", "cancelled") or URGENCY_RANK[now] >= URGENCY_RANK[was]:
        assert raised is None  # closed, or not more urgent: the request stays as it is
        return
    assert raised is not None and raised.urgency == now and raised.due_at is not None
    assert request.due_at is not None and raised.due_at <= request.due_at  # never later
    as_escalated = T0 + timedelta(minutes=clocks.resolve_budget(infra, None, now, effort))
    assert raised.due_at == min(request.due_at, as_escalated)  # the target escalating at that urgency gives
    assert raised.model_dump(exclude={"urgency", "due_at"}) == request.model_dump(exclude={"urgency", "due_at"})


def test_a_raised_urgency_awaiting_payment_keeps_no_target_until_the_payment(appraisal) -> None:
    waiting = _request(status="pending_payment", due_at=None, urgency="medium", profile="appraisal")
    raised = moves.raised(waiting, appraisal, _decision("critical", None))
    assert raised is not None and raised.urgency == "critical" and raised.due_at is None
