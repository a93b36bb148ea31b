"""Working calendars: 8x5 business hours in an expert's timezone (DST-correct) and 24x7."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from triagedesk.domain.models import Expert, Urgency


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


class BusinessHours:
    """Monday to Friday, `start` to `end` o'clock local time, in one timezone."""

    __slots__ = ("tz", "start", "end")

    def __init__(self, tz: str, start: int = 9, end: int = 17) -> None:
        if not 0 <= start < end <= 24:
            raise ValueError(f"business day {start}-{end} is empty")
        self.tz = zone(tz)
        self.start = start
        self.end = end

    def _bounds(self, day: datetime) -> tuple[datetime, datetime]:
        """The open and close instants (UTC) of the local calendar day of `day`."""
        local_day = day.date()
        open_ = datetime.combine(local_day, time(self.start), tzinfo=self.tz)
        if self.end == 24:
            close = datetime.combine(local_day + timedelta(days=1), time(0), tzinfo=self.tz)
        else:
            close = datetime.combine(local_day, time(self.end), tzinfo=self.tz)
        return open_.astimezone(UTC), close.astimezone(UTC)

    def is_open(self, at: datetime) -> bool:
        local = at.astimezone(self.tz)
        if local.weekday() >= 5:
            return False
        open_, close = self._bounds(local)
        return open_ <= at < close

    def next_open(self, at: datetime) -> datetime:
        """`at` itself when open, else the next opening instant (UTC)."""
        if self.is_open(at):
            return at
        local = at.astimezone(self.tz)
        for offset in range(0, 8):
            day = (local + timedelta(days=offset)).replace(hour=12, minute=0, second=0, microsecond=0)
            if day.weekday() >= 5:
                continue
            open_, _ = self._bounds(day)
            if open_ > at:
                return open_
        raise AssertionError("no business day within a week")  # pragma: no cover

    def add_working_minutes(self, start: datetime, minutes: float) -> datetime:
        """The instant `minutes` of open time after `start` (nights and weekends skipped)."""
        at = self.next_open(start)
        left = timedelta(minutes=minutes)
        while True:
            _, close = self._bounds(at.astimezone(self.tz))
            room = close - at
            if left <= room:
                return at + left
            left -= room
            at = self.next_open(close)

    def working_minutes_between(self, start: datetime, end: datetime) -> float:
        """Open minutes in [start, end)."""
        if end <= start:
            return 0.0
        total = timedelta()
        at = self.next_open(start)
        while at < end:
            _, close = self._bounds(at.astimezone(self.tz))
            total += min(close, end) - at
            at = self.next_open(close)
        return total.total_seconds() / 60


def expert_presence(
    expert: Expert, at: datetime, urgency: Urgency, after_hours: dict[str, float], start: int, end: int
) -> tuple[float, bool, datetime | None]:
    """How present an expert is at `at`: (presence 0-1, reachable now, next business opening)."""
    availability = expert.availability
    if availability.business_hours == "24x7":
        return 1.0, True, None
    hours = BusinessHours(expert.timezone, start, end)
    if hours.is_open(at):
        return 1.0, True, None
    cover = availability.after_hours
    if cover == "emergency_only" and urgency == "critical":
        return 1.0, True, None
    presence = after_hours.get(cover, 0.0)
    reachable = cover in ("24x7", "on_call_rotation")
    return presence, reachable, None if reachable else hours.next_open(at)
