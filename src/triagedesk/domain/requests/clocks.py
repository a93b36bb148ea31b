"""SLA targets as a request's own clocks, and the one function every display reads them with.

A request has two targets:
- **resolve**, per request: from submission (a paid tier's, from its payment: seed 002's guarantee) on the
  service's calendar (24x7: the requester's clock), for the tier's turnaround or the urgency's response window
  plus the expert time. The stored `due_at` never moves after it is set; waits (`paused_minutes`) push the
  target past it, and no reassignment touches either.
- **acknowledge**, per assignment: from the assignment, for the policy's acknowledgement minutes or the expert's
  response SLA, on the expert's calendar (business hours, after-hours cover). Met by an acknowledgement or a
  session's start; a miss is what re-routes a request. It does not pause: acknowledging needs no requester.

`Target.left_minutes` is the only place time left is computed: the queue's SLA column, Timers, `timers --json`,
`show`, the dispatcher's steps and `policy explain` all call it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

from triagedesk.domain import instants
from triagedesk.domain.models import Expert
from triagedesk.domain.records import ExpertRequest
from triagedesk.domain.routing.coverage import EMPTY_BOOK, CalendarBook
from triagedesk.domain.scoring.profiles import Profile

AT_RISK_SHARE = 0.25
"""Under 25% of its time left, a clock is at risk."""

ClockState = Literal["ok", "at_risk", "breached", "paused", "met", "missed", "stopped"]
TargetName = Literal["acknowledge", "resolve"]
RUNNING: frozenset[str] = frozenset({"ok", "at_risk", "breached", "paused"})


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


def expert_calendar(expert: Expert | None, profile: Profile, urgency: str,
                    calendars: CalendarBook | None = None) -> Calendar:
    """The expert's calendar: their business calendar (their own, their team's, else 8x5 in their timezone) less
    the holidays that apply to them (`calendars`: the stored ones, routing/coverage.py), unless they (or their
    after-hours cover) work 24x7.

    On-call rotation and 24x7 after-hours cover count every minute; emergency-only cover counts every minute for
    a critical request and business hours otherwise.
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


def service_calendar(profile: Profile | None) -> Calendar:
    """The resolve target's calendar: the requester's, every minute (the same whoever holds the request)."""
    return TWENTY_FOUR_SEVEN


def resolve_budget(profile: Profile, tier_id: str | None, urgency: str, effort_minutes: int | None = None) -> float:
    """The resolve target's minutes: a tier's turnaround (24 h, 48 h, 7 days), else the urgency's response window
    (seed 000's 15 minutes, 30 minutes, 4 hours) plus the expert time the decision estimates."""
    if tier_id and tier_id in profile.tiers:
        return profile.tiers[tier_id].turnaround_hours * 60
    policy = profile.urgencies[urgency]  # type: ignore[index]
    effort = effort_minutes if effort_minutes is not None else policy.expert_minutes
    return float((policy.response_minutes or 240) + effort)


def ack_budget(profile: Profile, expert: Expert | None) -> float:
    """How long an expert has to acknowledge: the policy's minutes, else the expert's response SLA (seed 000)."""
    if profile.policy.ack_timeout.minutes is not None:
        return float(profile.policy.ack_timeout.minutes)
    return float(expert.availability.response_sla_minutes if expert is not None else 60)


class Clocked(Protocol):
    """What a request's targets are read from: a stored record, or the queue's light view of one."""

    @property
    def status(self) -> str: ...
    @property
    def urgency(self) -> str: ...
    @property
    def tier_id(self) -> str | None: ...
    @property
    def submitted_at(self) -> datetime: ...
    @property
    def paid_at(self) -> datetime | None: ...
    @property
    def due_at(self) -> datetime | None: ...
    @property
    def ack_due_at(self) -> datetime | None: ...
    @property
    def assigned_at(self) -> datetime | None: ...
    @property
    def acknowledged_at(self) -> datetime | None: ...
    @property
    def started_at(self) -> datetime | None: ...
    @property
    def completed_at(self) -> datetime | None: ...
    @property
    def waiting_since(self) -> datetime | None: ...
    @property
    def paused_minutes(self) -> float: ...


def resolve_start(request: Clocked) -> datetime | None:
    """When the resolve target starts: at submission, or a paid tier's payment; None while it awaits payment."""
    if request.status == "pending_payment":
        return None
    return request.paid_at or request.submitted_at


def due_for_resolve(start: datetime, budget: float, paused_minutes: float, profile: Profile) -> datetime:
    return service_calendar(profile).add_working_minutes(start, budget + paused_minutes)


def due_for_ack(assigned_at: datetime, profile: Profile, expert: Expert | None, urgency: str,
                calendars: CalendarBook | None = None) -> datetime:
    return expert_calendar(expert, profile, urgency, calendars).add_working_minutes(assigned_at,
                                                                                     ack_budget(profile, expert))


def resolve_base(request: Clocked, profile: Profile | None) -> datetime | None:
    """The resolve target's due time before any wait: the stored `due_at`; a request stored without one (an
    import, another client) has it computed from its profile as a request opens (None: not started, or no profile
    to compute it from)."""
    if request.due_at is not None:
        return request.due_at
    start = resolve_start(request)
    if start is None or profile is None or request.urgency not in profile.urgencies:
        return None
    if profile.payment and request.tier_id in profile.tiers and request.paid_at is None:
        return None  # a paid tier's guarantee starts at its payment
    return due_for_resolve(start, resolve_budget(profile, request.tier_id, request.urgency), 0.0, profile)


def resolve_due(request: Clocked, profile: Profile | None) -> datetime | None:
    """THE resolve target's due time now: `resolve_base` pushed by the waits (None: not started). Every display
    of a resolve due time, the refund at completion and the report read it."""
    base = resolve_base(request, profile)
    if base is None or not request.paused_minutes:
        return base
    return service_calendar(profile).add_working_minutes(base, request.paused_minutes)


def resolve_missed(request: Clocked, profile: Profile | None, at: datetime | None = None) -> bool | None:
    """Whether the request finished (at `at`, else at its completion) after its resolve target; None without a
    target or a finish."""
    due = resolve_due(request, profile)
    finished = at or request.completed_at
    return None if due is None or finished is None else finished > due


def signed_minutes(calendar: Calendar, due: datetime, at: datetime) -> float:
    """Working minutes from `at` to `due`: negative once past it."""
    if at >= due:
        return -calendar.working_minutes_between(due, at)
    return calendar.working_minutes_between(at, due)


@dataclass(frozen=True, slots=True)
class Target:
    """One SLA target of one request: its due time, its budget, its calendar and where it stands."""

    name: TargetName
    start: datetime
    due: datetime
    budget_minutes: float
    calendar: Calendar
    paused_minutes: float = 0.0
    """Working minutes of the waits that pushed the due time."""
    frozen_at: datetime | None = None
    """A wait began: the clock stands still from here."""
    done_at: datetime | None = None
    """Met (or missed) at this instant: completed, acknowledged."""
    stopped: bool = False
    """Cancelled: it will never be met or missed."""

    def left_minutes(self, now: datetime) -> float:
        """Working minutes left (negative: past due); frozen while waiting, fixed once done. THE computation."""
        if self.stopped:
            return 0.0
        return signed_minutes(self.calendar, self.due, self.done_at or self.frozen_at or now)

    def state(self, now: datetime) -> ClockState:
        """Met or missed by the instant it was done; breached from the due instant on (when the dispatcher's step
        is due), whatever the calendar says of the minutes left (an expert's hours may have changed since)."""
        if self.stopped:
            return "stopped"
        if self.done_at is not None:
            return "met" if self.done_at <= self.due else "missed"
        if (self.frozen_at or now) >= self.due:
            return "breached"
        if self.frozen_at is not None:
            return "paused"
        left = self.left_minutes(now)
        if self.budget_minutes and left / self.budget_minutes < AT_RISK_SHARE:
            return "at_risk"
        return "ok"

    def running(self) -> bool:
        return not self.stopped and self.done_at is None


def targets(request: Clocked, profile: Profile, expert: Expert | None,
            calendars: CalendarBook | None = None) -> tuple[Target, ...]:
    """The request's targets as it stands (`expert`: the one holding it; `calendars`: the stored business and
    holiday calendars). Requests stored before the targets existed are read the same way: their acknowledge due
    is computed when not stored, and so is a resolve due (`resolve_base`)."""
    out: list[Target] = []
    start = resolve_start(request)
    status = request.status
    frozen = request.waiting_since if status == "waiting" else None
    base = resolve_base(request, profile)
    due = resolve_due(request, profile)
    if start is not None and base is not None and due is not None:
        calendar = service_calendar(profile)
        budget = calendar.working_minutes_between(start, base)
        done = request.completed_at if status in ("completed", "refunded") else None
        out.append(Target("resolve", start, due, budget, calendar, request.paused_minutes, frozen, done,
                          status == "cancelled"))
    if request.assigned_at is not None and status in ("assigned", "waiting", "in_review", "completed", "refunded",
                                                      "cancelled"):
        calendar = expert_calendar(expert, profile, request.urgency, calendars)
        budget = ack_budget(profile, expert)
        due = request.ack_due_at or calendar.add_working_minutes(request.assigned_at, budget)
        acknowledged = request.acknowledged_at or request.started_at
        if acknowledged is not None or status in ("assigned", "waiting"):
            stopped = acknowledged is None and status == "cancelled"
            out.append(Target("acknowledge", request.assigned_at, due, budget, calendar, 0.0, None, acknowledged,
                              stopped))
    return tuple(out)


def ack_lapsed(request: Clocked, profile: Profile, expert: Expert | None, now: datetime,
               calendars: CalendarBook | None = None) -> bool:
    """The holder let the acknowledge target pass unacknowledged (breached at `now`): a lapse, whoever moves the
    request on (the dispatcher's step, or a coordinator's reassignment)."""
    found = next((t for t in targets(request, profile, expert, calendars) if t.name == "acknowledge"), None)
    return found is not None and found.state(now) == "breached"


@dataclass(frozen=True)
class SlaClock:
    """One target of one request as every display shows it."""

    request_id: str
    target: TargetName
    due_at: datetime
    budget_minutes: float
    left_minutes: float
    fraction_left: float
    state: ClockState
    refund_due: bool
    price_at_risk: float

    def as_dict(self) -> dict[str, object]:
        return {"request_id": self.request_id, "target": self.target, "due_at": instants.stamp(self.due_at),
                "budget_minutes": round(self.budget_minutes, 1), "left_minutes": round(self.left_minutes, 1),
                "fraction_left": round(self.fraction_left, 4), "state": self.state,
                "refund_due": self.refund_due, "price_at_risk": self.price_at_risk}


def read(request: ExpertRequest, target: Target, now: datetime) -> SlaClock:
    """A target read at `now`, with what the price risks (a resolve target of a paid tier)."""
    left = target.left_minutes(now)
    state = target.state(now)
    fraction = max(min(left / target.budget_minutes, 1.0), 0.0) if target.budget_minutes else 0.0
    priced = target.name == "resolve" and request.price > 0
    refund = priced and state == "missed"
    at_risk = request.price if priced and state in ("breached", "at_risk", "missed") else 0.0
    return SlaClock(request.id, target.name, target.due, target.budget_minutes, left, fraction, state, refund,
                    at_risk)


def clocks(request: ExpertRequest, profile: Profile, expert: Expert | None, now: datetime,
           calendars: CalendarBook | None = None) -> tuple[SlaClock, ...]:
    """Every target of the request, read at `now`."""
    return tuple(read(request, t, now) for t in targets(request, profile, expert, calendars))


def pressing(found: Iterable[SlaClock]) -> SlaClock | None:
    """The clock that shows: of the running ones, the least time left (so a breached one first)."""
    running = [c for c in found if c.state in RUNNING]
    return min(running, key=order_key) if running else None


def order_key(clock: SlaClock) -> tuple[float, str]:
    """Timers' order: breached first (most overdue first), then least time left."""
    return (clock.left_minutes, clock.request_id)


def refund_exposure(found: Iterable[SlaClock]) -> float:
    """The sum of prices at risk now: paid requests breached or under 25% of their time. Pass every clock of every
    request (not only the pressing one): only a resolve target carries the price, so each request counts once,
    whatever its acknowledge clock says."""
    return sum(c.price_at_risk for c in found if c.state in ("breached", "at_risk"))


def at_risk_instant(target: Target) -> datetime:
    """When a running target crosses into its last 25% (the dispatcher's at-risk notice)."""
    return target.calendar.add_working_minutes(target.start, target.budget_minutes * (1 - AT_RISK_SHARE)
                                               + target.paused_minutes)
