"""On-call fairness: per person per month, hours on call, off-hours and weekend hours, and interruptions (pages),
rated against PagerDuty's benchmark of interruptions a month (2 good, 7 bad, 19 burnout)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from triagedesk.domain.models import Expert
from triagedesk.domain.routing.calendars import WorkingCalendar, weekdays
from triagedesk.domain.routing.coverage import Coverage
from triagedesk.domain.routing.wallclock import DAY, instant, local, zone

PAGE_KINDS = frozenset({"assignment", "reassignment", "at_risk", "breach"})
"""The notifications that interrupt someone: a new assignment, a re-route, an at-risk or breach page."""
BENCHMARK = {"good": 2, "bad": 7, "burnout": 19}
"""PagerDuty, State of Digital Operations (2021): interruptions per user per month."""


def rating(interruptions: int) -> str:
    """good (2 or fewer a month), fair (under 7), bad (7 or more), burnout (19 or more)."""
    if interruptions <= BENCHMARK["good"]:
        return "good"
    if interruptions < BENCHMARK["bad"]:
        return "fair"
    return "bad" if interruptions < BENCHMARK["burnout"] else "burnout"


def month_starts(now: datetime, months: int) -> list[datetime]:
    """The first instants (UTC) of the `months` calendar months ending with `now`'s, oldest first, and the next."""
    index = now.year * 12 + now.month - 1
    return [datetime(i // 12, i % 12 + 1, 1, tzinfo=UTC) for i in range(index - months + 1, index + 2)]


def personal_calendar(coverage: Coverage, expert: Expert | None, timezone: str) -> WorkingCalendar:
    """A person's own hours, which on-call time outside of is off-hours: their business calendar (holidays out),
    else 9-17 on weekdays in their zone, even for someone who covers 24x7."""
    if expert is None:
        return WorkingCalendar(timezone, weekdays(9, 17))
    daytime = expert.model_copy(update={"availability": expert.availability.model_copy(
        update={"business_hours": "8x5"})})
    return coverage.book.working(daytime) or WorkingCalendar(timezone, weekdays(9, 17))


def weekend_hours(start: datetime, end: datetime, timezone: str) -> float:
    """Hours of [start, end) on a Saturday or Sunday of the person's own clock."""
    where = zone(timezone)
    total = timedelta()
    day = local(start, where).date()
    while True:
        begins = instant(datetime.combine(day, time()), where)
        if begins >= end:
            break
        if day.weekday() >= 5:
            ends = instant(datetime.combine(day + DAY, time()), where)
            total += max(min(end, ends) - max(start, begins), timedelta())
        day += DAY
    return total.total_seconds() / 3600


@dataclass
class Load:
    """One person's month on call."""

    month: str
    expert_id: str
    name: str
    hours_on_call: float = 0.0
    off_hours: float = 0.0
    weekend_hours: float = 0.0
    interruptions: int = 0

    def as_dict(self) -> dict[str, object]:
        return {"month": self.month, "expert_id": self.expert_id, "name": self.name,
                "hours_on_call": round(self.hours_on_call, 1), "off_hours": round(self.off_hours, 1),
                "weekend_hours": round(self.weekend_hours, 1), "interruptions": self.interruptions,
                "rating": rating(self.interruptions)}


def report(coverage: Coverage, experts: dict[str, Expert], pages: Iterable[tuple[str, datetime]], now: datetime,
           months: int = 3) -> dict[str, object]:
    """Per person per month (the `months` months ending with now's, whole months: planned shifts count): hours on
    call in any schedule, of them off-hours (outside the person's business calendar, holidays counted off) and
    weekend hours, and interruptions; with the month's spread of hours (max - min) to show an uneven rotation."""
    bounds = month_starts(now, months)
    rows: dict[tuple[str, str], Load] = {}
    own: dict[str, WorkingCalendar] = {}

    def row(month: str, who: str) -> Load:
        expert = experts.get(who)
        return rows.setdefault((month, who), Load(month, who, expert.name or who if expert else who))

    for first, after in zip(bounds, bounds[1:], strict=False):
        month = f"{first:%Y-%m}"
        for clock in coverage.clocks:
            for stretch in clock.stretches(first, after):
                if stretch.member is None:
                    continue
                expert = experts.get(stretch.member)
                timezone = expert.timezone if expert else clock.schedule.timezone
                if stretch.member not in own:
                    own[stretch.member] = personal_calendar(coverage, expert, timezone)
                hours = (stretch.end - stretch.start).total_seconds() / 3600
                working = own[stretch.member].working_minutes_between(stretch.start, stretch.end) / 60
                entry = row(month, stretch.member)
                entry.hours_on_call += hours
                entry.off_hours += hours - working
                entry.weekend_hours += weekend_hours(stretch.start, stretch.end, timezone)
    for who, at in pages:
        if bounds[0] <= at < bounds[-1]:
            row(f"{at:%Y-%m}", who).interruptions += 1
    people = sorted(rows.values(), key=lambda r: (r.month, r.name.lower(), r.expert_id))
    spread = {}
    for first in bounds[:-1]:
        month = f"{first:%Y-%m}"
        hours_of = [r.hours_on_call for r in people if r.month == month]
        spread[month] = round(max(hours_of) - min(hours_of), 1) if hours_of else 0.0
    return {"months": [f"{b:%Y-%m}" for b in bounds[:-1]], "benchmark": dict(BENCHMARK),
            "people": [r.as_dict() for r in people], "spread_hours": spread}
