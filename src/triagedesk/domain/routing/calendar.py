"""The seeds' business hours (8x5 in an expert's timezone, DST-correct) and how present an expert is now."""

from __future__ import annotations

from datetime import datetime

from triagedesk.domain.models import Expert, Urgency
from triagedesk.domain.routing.calendars import WorkingCalendar, weekdays
from triagedesk.domain.routing.coverage import Coverage
from triagedesk.domain.routing.wallclock import zone

__all__ = ["BusinessHours", "expert_presence", "zone"]

NO_SCHEDULES = Coverage()


class BusinessHours(WorkingCalendar):
    """Monday to Friday, `start` to `end` o'clock local time, in one timezone."""

    def __init__(self, tz: str, start: int = 9, end: int = 17) -> None:
        if not 0 <= start < end <= 24:
            raise ValueError(f"business day {start}-{end} is empty")
        super().__init__(tz, weekdays(start, end), name=f"8x5 {tz}")
        self.tz = self.zone
        self.start = start
        self.end = end


def expert_presence(
    expert: Expert, at: datetime, urgency: Urgency, after_hours: dict[str, float], start: int, end: int,
    coverage: Coverage | None = None,
) -> tuple[float, bool, datetime | None]:
    """How present an expert is at `at`: (presence 0-1, reachable now, next business opening). `coverage` (the
    schedules and calendars) decides; without it, the seeds' flags alone."""
    found = (coverage or NO_SCHEDULES).presence(expert, at, urgency, after_hours, start, end)
    return found.presence, found.reachable, found.next_at
