"""A schedule's week as a grid: who is on call in each hour of each local day (the desk's schedule screen)."""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, date, datetime, time, timedelta

from triagedesk.domain.routing.timeline import Stretch
from triagedesk.domain.routing.wallclock import instant, local, steady_offset, zone

Cell = tuple[str | None, bool]
"""Who is on call in a slot, and whether by an override."""


def week_start(moment: datetime, zone_name: str) -> date:
    """The Monday of `moment`'s week on the zone's wall clock."""
    day = local(moment, zone(zone_name)).date()
    return day - timedelta(days=day.weekday())


def grid(stretches: list[Stretch], first_day: date, zone_name: str, days: int = 7, slots: int = 24
         ) -> list[list[Cell]]:
    """One row per local day from `first_day`, one cell per slot of the day (hours by default), each read at the
    slot's middle from `stretches` (consecutive, covering the week)."""
    where = zone(zone_name)
    starts = [s.start for s in stretches]
    step = timedelta(minutes=1440 // slots)
    rows: list[list[Cell]] = []
    for n in range(days):
        day = first_day + timedelta(days=n)
        midnight = datetime.combine(day, time())
        offset = steady_offset(where, day)
        if offset is not None:  # no clock change that day: the slots are plain steps from its midnight
            base = midnight.replace(tzinfo=UTC) - offset + step / 2
            moments = [base + k * step for k in range(slots)]
        else:
            moments = [instant(midnight + k * step + step / 2, where) for k in range(slots)]
        index = max(bisect_right(starts, moments[0]) - 1, 0)
        row: list[Cell] = []
        for moment in moments:
            while index + 1 < len(stretches) and starts[index + 1] <= moment:
                index += 1
            found = stretches[index] if stretches and starts[index] <= moment < stretches[index].end else None
            row.append((found.member, found.source == "override") if found else (None, False))
        rows.append(row)
    return rows


def week_bounds(first_day: date, zone_name: str, days: int = 7) -> tuple[datetime, datetime]:
    """The instants the grid's days span (wall-clock midnights)."""
    where = zone(zone_name)
    return (instant(datetime.combine(first_day, time()), where),
            instant(datetime.combine(first_day + timedelta(days=days), time()), where))
