"""SLA clocks: due times on business (holidays out) or 24x7 calendars, pauses while waiting, breaches, refunds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

from triagedesk.domain.models import Expert
from triagedesk.domain.records import ExpertRequest
from triagedesk.domain.requests import workflow
from triagedesk.domain.routing.coverage import EMPTY_BOOK, CalendarBook
from triagedesk.domain.scoring.profiles import Profile

AT_RISK_SHARE = 0.25
"""Under 25% of the time left, a clock is at risk."""

ClockState = Literal["ok", "at_risk", "breached", "paused", "met", "missed", "stopped"]


class Calendar(Protocol):
    def add_working_minutes(self, start: datetime, minutes: float) -> datetime: ...
    def working_minutes_between(self, start: datetime, end: datetime) -> float: ...


class AroundTheClock:
    """24x7: every minute counts."""

    def add_working_minutes(self, start: datetime, minutes: float) -> datetime:
        return start + timedelta(minutes=minutes)

    def working_minutes_between(self, start: datetime, end: datetime) -> float:
        return max((end - start).total_seconds() / 60, 0.0)


TWENTY_FOUR_SEVEN = AroundTheClock()


def calendar_for(expert: Expert | None, profile: Profile, urgency: str,
                 calendars: CalendarBook | None = None) -> Calendar:
    """The expert's calendar: their business calendar (their own, their team's, else 8x5 in their timezone),
    holidays out (`calendars`: the stored ones), unless they (or their after-hours cover) work 24x7.

    On-call rotation and 24x7 after-hours cover count every minute; emergency-only
    cover counts every minute for a critical request and business hours otherwise.
    """
    if expert is None:
        return TWENTY_FOUR_SEVEN
    availability = expert.availability
    if availability.after_hours in ("24x7", "on_call_rotation"):
        return TWENTY_FOUR_SEVEN
    if availability.after_hours == "emergency_only" and urgency == "critical":
        return TWENTY_FOUR_SEVEN
    matching = profile.matching
    working = (calendars or EMPTY_BOOK).working(expert, matching.business_day_start, matching.business_day_end)
    return TWENTY_FOUR_SEVEN if working is None else working


def budget_minutes(request: ExpertRequest, profile: Profile, expert: Expert | None,
                   expert_minutes: int | None = None) -> tuple[datetime, float]:
    """When the clock starts and how many working minutes it allows.

    A tier's turnaround runs from submission (seed 002's guarantee: 24 h, 48 h, 7 days).
    Without a tier (infrastructure): before assignment, the urgency's response window
    (15 minutes, 30 minutes, 4 hours: seed 000's rules) from submission; once assigned,
    the expert's response SLA plus the estimated expert time, from assignment.
    """
    budget = budget_for(request.tier_id, request.urgency, request.assigned_at is not None, profile, expert,
                        expert_minutes)
    tiered = bool(request.tier_id and request.tier_id in profile.tiers)
    if tiered or expert is None or request.assigned_at is None:
        return request.submitted_at, budget
    return request.assigned_at, budget


def budget_for(tier_id: str | None, urgency: str, assigned: bool, profile: Profile, expert: Expert | None,
               expert_minutes: int | None = None) -> float:
    """The working minutes a request's clock allows (see `budget_minutes`), from the fields that decide it."""
    if tier_id and tier_id in profile.tiers:
        return profile.tiers[tier_id].turnaround_hours * 60
    policy = profile.urgencies[urgency]  # type: ignore[index]
    if expert is None or not assigned:
        return float(policy.response_minutes or 240)
    effort = expert_minutes if expert_minutes is not None else policy.expert_minutes
    return float(expert.availability.response_sla_minutes + effort)


def due_at(request: ExpertRequest, profile: Profile, expert: Expert | None,
           expert_minutes: int | None = None, calendars: CalendarBook | None = None) -> datetime:
    """The due time, pauses included (time spent `waiting` does not count)."""
    start, budget = budget_minutes(request, profile, expert, expert_minutes)
    calendar = calendar_for(expert, profile, request.urgency, calendars)
    return calendar.add_working_minutes(start, budget + request.paused_minutes)


def paused_working_minutes(request: ExpertRequest, profile: Profile, expert: Expert | None, now: datetime,
                           calendars: CalendarBook | None = None) -> float:
    """Working minutes of the current wait (0 when the request is not waiting)."""
    if request.waiting_since is None:
        return 0.0
    calendar = calendar_for(expert, profile, request.urgency, calendars)
    return calendar.working_minutes_between(request.waiting_since, now)


@dataclass(frozen=True)
class SlaClock:
    """One request's clock as the desk shows it."""

    request_id: str
    due_at: datetime
    budget_minutes: float
    left_minutes: float
    fraction_left: float
    state: ClockState
    refund_due: bool
    price_at_risk: float

    def as_dict(self) -> dict[str, object]:
        return {"request_id": self.request_id, "due_at": self.due_at.isoformat().replace("+00:00", "Z"),
                "budget_minutes": round(self.budget_minutes, 1), "left_minutes": round(self.left_minutes, 1),
                "fraction_left": round(self.fraction_left, 4), "state": self.state,
                "refund_due": self.refund_due, "price_at_risk": self.price_at_risk}


def state_of(left_minutes: float, budget_minutes: float, waiting: bool) -> ClockState:
    """The colour of a running clock: ok, at risk (under 25% of its time left), breached, or paused."""
    if waiting:
        return "paused" if left_minutes > 0 else "breached"
    if left_minutes <= 0:
        return "breached"
    if budget_minutes and left_minutes / budget_minutes < AT_RISK_SHARE:
        return "at_risk"
    return "ok"


def clock(request: ExpertRequest, profile: Profile, expert: Expert | None, now: datetime,
          calendars: CalendarBook | None = None) -> SlaClock:
    """Time left (working minutes, frozen while waiting), as a fraction for colours, and the state."""
    calendar = calendar_for(expert, profile, request.urgency, calendars)
    _, budget = budget_minutes(request, profile, expert)
    due = request.due_at or due_at(request, profile, expert, calendars=calendars)
    if request.status == "completed" or request.status == "refunded":
        finished = request.completed_at or now
        missed = finished > due
        return SlaClock(request.id, due, budget, 0.0, 0.0, "missed" if missed else "met",
                        missed, request.price if missed else 0.0)
    if request.status == "cancelled":
        return SlaClock(request.id, due, budget, 0.0, 0.0, "stopped", False, 0.0)
    reference = request.waiting_since or now
    if reference >= due:
        left = -calendar.working_minutes_between(due, reference)
    else:
        left = calendar.working_minutes_between(reference, due)
    fraction = max(min(left / budget, 1.0), 0.0) if budget else 0.0
    state = state_of(left, budget, request.status == "waiting")
    at_risk = request.price if state in ("breached", "at_risk") else 0.0
    return SlaClock(request.id, due, budget, left, fraction, state, False, at_risk)


def refund_exposure(clocks: list[SlaClock]) -> float:
    """The sum of prices at risk now: open requests breached or under 25% of their time."""
    return sum(c.price_at_risk for c in clocks if c.state in ("breached", "at_risk"))


def suggestions(request: ExpertRequest, sla: SlaClock, expert: Expert | None, now: datetime) -> list[str]:
    """What the desk offers, as text (the codes are `workflow.suggestions`)."""
    return [s.text for s in workflow.suggestions(request, sla.state, expert, now)]
