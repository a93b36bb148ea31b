"""Who covers now, and until when: the schedules' on-call, else an expert's business hours, else emergency cover.

One answer for the matcher (availability now), the SLA clocks (an expert's working calendar, holidays out), the
dispatcher (who takes a page, who an auto-assignment goes to) and the desk.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from triagedesk.domain.models import Expert
from triagedesk.domain.routing.calendars import Calendar, WorkingCalendar, weekdays
from triagedesk.domain.routing.rotation import FAR_FUTURE, FAR_PAST
from triagedesk.domain.routing.schedules import Schedule
from triagedesk.domain.routing.timeline import OnCall, ScheduleClock, Stretch

SHIFT_LOOKAHEAD = timedelta(days=31)


class CalendarBook:
    """The stored calendars, resolved per expert: their business calendar (their own, else their team's, else the
    seeds' 8x5 in their zone, unless they work 24x7) less every holiday calendar that applies to them."""

    def __init__(self, calendars: Iterable[Calendar] = ()) -> None:
        found = list(calendars)
        self.business = [c for c in found if c.kind == "business"]
        self.holidays = [c for c in found if c.kind == "holidays"]
        self._working: dict[tuple[object, ...], WorkingCalendar] = {}

    def business_for(self, expert: Expert) -> Calendar | None:
        """The expert's own business calendar, else their team's."""
        own = next((c for c in self.business if expert.id in c.experts), None)
        if own is not None or not expert.team:
            return own
        return next((c for c in self.business if expert.team in c.teams), None)

    def working(self, expert: Expert, start_hour: int = 9, end_hour: int = 17) -> WorkingCalendar | None:
        """The expert's working calendar with holidays out; None: every minute counts (24x7, no calendar)."""
        calendar = self.business_for(expert)
        if calendar is None and expert.availability.business_hours == "24x7":
            return None
        holidays = tuple(h.id for h in self.holidays if h.applies_to(expert.id, expert.team))
        zone = calendar.timezone if calendar is not None else expert.timezone
        key = (calendar.id if calendar else None, zone, start_hour, end_hour, holidays)
        found = self._working.get(key)
        if found is None:
            hours = calendar.hours if calendar is not None else weekdays(start_hour, end_hour)
            off = [h for c in self.holidays if c.id in holidays for h in c.holidays]
            found = self._working[key] = WorkingCalendar(
                zone, hours, [h.day for h in off if h.day is not None],
                [(h.start, h.end) for h in off if h.start is not None and h.end is not None],
                name=calendar.id if calendar else f"8x5 {zone}")
        return found


EMPTY_BOOK = CalendarBook()


@dataclass(frozen=True)
class Presence:
    """How present an expert is at an instant: 0-1, reachable now, when next (if not), and why."""

    presence: float
    reachable: bool
    next_at: datetime | None
    reason: str = ""


class Coverage:
    """Every schedule compiled, with the calendars: the one place that says who covers an instant."""

    def __init__(self, schedules: Iterable[Schedule] = (), calendars: CalendarBook | None = None) -> None:
        self.clocks = [ScheduleClock(s) for s in schedules]
        self.book = calendars or EMPTY_BOOK
        self.members = frozenset(m for clock in self.clocks for m in clock.schedule.members())
        self._window: tuple[datetime, datetime, list[OnCall]] = (FAR_FUTURE, FAR_PAST, [])
        self._next_shift: dict[str, tuple[datetime, datetime, datetime | None]] = {}

    def on_call(self, at: datetime) -> list[OnCall]:
        """Every schedule's answer at `at` (remembered until one of them changes)."""
        low, high, answers = self._window
        if low <= at < high:
            return answers
        answers = [clock.answer(at) for clock in self.clocks]
        low = max((a.since or FAR_PAST for a in answers), default=FAR_PAST)
        high = min((a.until or FAR_FUTURE for a in answers), default=FAR_FUTURE)
        self._window = (low, high, answers)
        return answers

    def on_call_as(self, expert_id: str, at: datetime) -> OnCall | None:
        """The first schedule that has `expert_id` on call at `at`."""
        if expert_id not in self.members:
            return None
        return next((a for a in self.on_call(at) if a.member == expert_id), None)

    def covering(self, profile: str | None, category: str | None, at: datetime) -> list[OnCall]:
        """Who is on call now in the schedules that cover issues of `profile` and `category`."""
        wanted = {c.id for c in self.clocks if c.schedule.covers_issue(profile, category)}
        return [a for a in self.on_call(at) if a.schedule in wanted and a.member is not None]

    def shifts_of(self, expert_id: str, start: datetime, within: timedelta = SHIFT_LOOKAHEAD) -> list[Stretch]:
        """The expert's shifts from `start` on (within `within`), every schedule, in time order; the stretch's
        `source` names the schedule."""
        out: list[Stretch] = []
        for clock in self.clocks:
            if expert_id in clock.schedule.members():
                out += [Stretch(s.member, s.start, s.end, clock.id) for s in clock.stretches(start, start + within)
                        if s.member == expert_id]
        return sorted(out, key=lambda s: (s.start, s.source))

    def working(self, expert: Expert, start_hour: int = 9, end_hour: int = 17) -> WorkingCalendar | None:
        return self.book.working(expert, start_hour, end_hour)

    def next_shift(self, expert_id: str, at: datetime) -> datetime | None:
        """When the expert's next shift starts (within 8 days), for one off shift at `at`; remembered while no
        schedule changes hands (the matcher asks it for every candidate on every cursor move)."""
        self.on_call(at)
        low, high, _ = self._window
        found = self._next_shift.get(expert_id)
        if found is not None and found[:2] == (low, high):
            return found[2]
        shifts = self.shifts_of(expert_id, at, timedelta(days=8))
        starts = shifts[0].start if shifts else None
        self._next_shift[expert_id] = (low, high, starts)
        return starts

    def presence(self, expert: Expert, at: datetime, urgency: str, after_hours: dict[str, float],
                 start_hour: int = 9, end_hour: int = 17) -> Presence:
        """Availability now: on call now, else in business hours (holidays out), else emergency cover. For an
        expert in a schedule, `on_call_rotation` cover means the schedule: off shift they are not reachable."""
        shift = self.on_call_as(expert.id, at)
        if shift is not None:
            until = f" until {shift.until:%a %H:%M} UTC" if shift.until else ""
            return Presence(1.0, True, None, f"On call ({shift.schedule}){until}")
        calendar = self.working(expert, start_hour, end_hour)
        if calendar is None or calendar.is_open(at):
            return Presence(1.0, True, None)
        cover = expert.availability.after_hours
        if cover == "emergency_only" and urgency == "critical":
            return Presence(1.0, True, None)
        if cover == "on_call_rotation" and expert.id in self.members:
            opens = calendar.next_open(at)
            starts = self.next_shift(expert.id, at)
            return Presence(0.0, False, min(opens, starts) if starts else opens)
        reachable = cover in ("24x7", "on_call_rotation")
        return Presence(after_hours.get(cover, 0.0), reachable, None if reachable else calendar.next_open(at))

    def page_to(self, expert: Expert | None, profile: str | None, category: str | None, at: datetime,
                urgency: str = "high", start_hour: int = 9, end_hour: int = 17) -> tuple[str | None, datetime | None]:
        """Who a page about an issue goes to at `at`: the expert when they cover now; else whoever is on call
        for the issue; else the expert, held until their next opening (None: now)."""
        if expert is not None:
            now = self.presence(expert, at, urgency, {}, start_hour, end_hour)
            if now.reachable:
                return expert.id, None
        cover = [a.member for a in self.covering(profile, category, at) if a.member]
        if cover:
            return cover[0], None
        if expert is None:
            return None, None
        calendar = self.working(expert, start_hour, end_hour)
        return expert.id, None if calendar is None else calendar.next_open(at)
