"""Working calendars: weekly opening hours in a zone, less holidays; business minutes added and counted."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from triagedesk.domain.models import DomainModel, as_utc
from triagedesk.domain.records import Record
from triagedesk.domain.routing.schedules import schedule_name
from triagedesk.domain.routing.wallclock import (
    DAY,
    Span,
    instant,
    known_zone,
    local,
    merged,
    minus,
    minutes_of,
    weekday_numbers,
    window_on,
    zone,
)

LOOKAHEAD_DAYS = 3660
"""A calendar with no open minute for ten years (every day a holiday) is a mistake, said as one."""


class OpenHours(DomainModel):
    """Open on `days` from `start` to `end` (the next day when `end` is not after `start`; 00:00-24:00 all day)."""

    days: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4])
    start: str = "09:00"
    end: str = "17:00"

    @field_validator("days", mode="before")
    @classmethod
    def _days(cls, value: Any) -> list[int]:
        return weekday_numbers(value if isinstance(value, list) else [value])

    @field_validator("start", "end")
    @classmethod
    def _clock(cls, value: str) -> str:
        minutes_of(value)
        return value

    @model_validator(mode="after")
    def _opens(self) -> OpenHours:
        if minutes_of(self.start) >= 1440:
            raise ValueError("opening hours start before 24:00")
        return self

    def window(self) -> tuple[int, int]:
        start, end = minutes_of(self.start), minutes_of(self.end)
        return start, (0 if end == 1440 and start == 0 else end)


class Holiday(DomainModel):
    """A day off (`day`: the whole local day, in each calendar's own zone) or a timed closure (`start`-`end`)."""

    name: str = ""
    day: date | None = None
    start: datetime | None = None
    end: datetime | None = None

    _utc = field_validator("start", "end")(as_utc)

    @model_validator(mode="after")
    def _one_form(self) -> Holiday:
        timed = self.start is not None or self.end is not None
        if (self.day is None) == (not timed):
            raise ValueError("a holiday is a day or a start and an end, not both")
        if timed and (self.start is None or self.end is None or self.end <= self.start):
            raise ValueError("a timed holiday needs a start before its end")
        return self


class Calendar(Record):
    """A stored calendar: `business` hours (of the experts or teams named, in its zone) or `holidays` (for every
    business calendar, or only those of the experts or teams named)."""

    id: str
    kind: Literal["business", "holidays"] = "business"
    timezone: str = "UTC"
    hours: list[OpenHours] = Field(default_factory=list)
    holidays: list[Holiday] = Field(default_factory=list)
    experts: list[str] = Field(default_factory=list)
    teams: list[str] = Field(default_factory=list)
    source: str = ""

    _name = field_validator("id")(schedule_name)
    _zone = field_validator("timezone")(known_zone)

    @model_validator(mode="after")
    def _shape(self) -> Calendar:
        if self.kind == "business" and not self.hours:
            raise ValueError("a business calendar needs opening hours")
        if self.kind == "holidays" and self.hours:
            raise ValueError("a holiday calendar has no opening hours")
        return self

    def applies_to(self, expert_id: str, team: str) -> bool:
        """Unscoped, or naming this expert or their team."""
        if not self.experts and not self.teams:
            return True
        return expert_id in self.experts or (bool(team) and team in self.teams)


class WorkingCalendar:
    """Open instants: weekly `hours` in `timezone`, less whole holiday `days` (local dates) and timed `closures`.
    Each local day's open spans are computed once; windows of consecutive days that touch are one span, so a
    24/7 calendar has no gap at midnight or at a DST change."""

    def __init__(self, timezone: str, hours: Iterable[OpenHours], days: Iterable[date] = (),
                 closures: Iterable[Span] = (), name: str = "") -> None:
        self.name = name
        self.zone = zone(timezone)
        self.timezone = timezone
        self.rules = [(frozenset(h.days), *h.window()) for h in hours]
        if not any(days_ for days_, _, _ in self.rules):
            raise ValueError(f"calendar {name or timezone}: no opening hours")
        self.days_off = frozenset(days)
        self.closures = merged(closures)
        self._spans: dict[date, list[Span]] = {}

    def day_spans(self, day: date) -> list[Span]:
        """The open spans within local `day` (its windows and those of the day before that reach into it), less a
        holiday on `day` and timed closures. Days partition time, so no instant is counted twice."""
        found = self._spans.get(day)
        if found is None:
            bounds = self._whole_day(day)
            if day in self.days_off:
                found = []
            else:
                windows = [window_on(d, start, end, self.zone) for d in (day - DAY, day)
                           for days, start, end in self.rules if d.weekday() in days]
                found = [(max(s, bounds[0]), min(e, bounds[1])) for s, e in merged(windows)]
                found = [(s, e) for s, e in found if s < e]
                if self.closures and found:
                    lo = max(bisect_right(self.closures, (found[0][0],)) - 1, 0)
                    found = minus(found, [c for c in self.closures[lo:] if c[0] < found[-1][1]])
            self._spans[day] = found
        return found

    def _whole_day(self, day: date) -> Span:
        return (instant(datetime.combine(day, time()), self.zone),
                instant(datetime.combine(day + DAY, time()), self.zone))

    def spans(self, start: datetime, end: datetime) -> list[Span]:
        """Open spans within [start, end), joined where they touch."""
        out: list[Span] = []
        day = local(start, self.zone).date()
        last = local(end, self.zone).date()
        while day <= last:
            for s, e in self.day_spans(day):
                s, e = max(s, start), min(e, end)
                if s < e:
                    if out and s <= out[-1][1]:
                        out[-1] = (out[-1][0], max(e, out[-1][1]))
                    else:
                        out.append((s, e))
            day += DAY
        return out

    def is_open(self, moment: datetime) -> bool:
        day = local(moment, self.zone).date()
        return any(s <= moment < e for s, e in self.day_spans(day))

    def next_open(self, moment: datetime) -> datetime:
        """`moment` itself when open, else the next opening instant."""
        day = local(moment, self.zone).date()
        for _ in range(LOOKAHEAD_DAYS):
            for s, e in self.day_spans(day):
                if e > moment:
                    return max(s, moment)
            day += DAY
        raise ValueError(f"calendar {self.name or self.timezone}: no open minute within ten years")

    def open_until(self, moment: datetime, within: int = 31) -> datetime | None:
        """When the open stretch holding `moment` closes (spans that touch, across midnight too, are one stretch),
        at most `within` days ahead; None when closed at `moment`."""
        day = local(moment, self.zone).date()
        end = next((e for s, e in self.day_spans(day) if s <= moment < e), None)
        if end is None:
            return None
        for _ in range(within):
            day += DAY
            spans = self.day_spans(day)
            if not spans or spans[0][0] != end:
                return end
            end = spans[0][1]
            if len(spans) > 1 or end < self._whole_day(day)[1]:
                return end
        return end

    def add_working_minutes(self, start: datetime, minutes: float) -> datetime:
        """The instant `minutes` of open time after `start` (closed time and holidays skipped)."""
        left = timedelta(minutes=minutes)
        day = local(start, self.zone).date()
        for _ in range(LOOKAHEAD_DAYS):
            for s, e in self.day_spans(day):
                if e <= start:
                    continue
                s = max(s, start)
                if left <= e - s:
                    return s + left
                left -= e - s
            day += DAY
        raise ValueError(f"calendar {self.name or self.timezone}: no open minute within ten years")

    def working_minutes_between(self, start: datetime, end: datetime) -> float:
        """Open minutes in [start, end)."""
        if end <= start:
            return 0.0
        total = timedelta()
        day = local(start, self.zone).date()
        last = local(end, self.zone).date()
        while day <= last:
            for s, e in self.day_spans(day):
                s, e = max(s, start), min(e, end)
                if s < e:
                    total += e - s
            day += DAY
        return total.total_seconds() / 60


ALL_WEEK = (OpenHours(days=list(range(7)), start="00:00", end="24:00"),)


def weekdays(start_hour: int, end_hour: int) -> tuple[OpenHours, ...]:
    """Monday to Friday, `start_hour` to `end_hour` o'clock (the seeds' 8x5)."""
    return (OpenHours(days=[0, 1, 2, 3, 4], start=f"{start_hour:02d}:00", end=f"{end_hour:02d}:00"),)
