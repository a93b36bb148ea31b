"""A follow-the-sun rotation generator that shares the day between regions so every member carries the same hours."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from triagedesk.domain.routing.schedules import Layer, Restriction, Schedule
from triagedesk.domain.routing.wallclock import instant, local, zone

STEP_MINUTES = 30
"""Window edges fall on the half hour."""


@dataclass(frozen=True)
class Region:
    """A region of a follow-the-sun rotation: its people and the zone they live in."""

    name: str
    timezone: str
    members: Sequence[str] = field(default_factory=tuple)


def shares(sizes: Sequence[int]) -> list[int]:
    """Minutes of the day per region, in proportion to its members (so each person carries the same hours),
    on half-hour steps; the last region takes what rounding leaves."""
    total = sum(sizes)
    if total == 0 or any(size <= 0 for size in sizes):
        raise ValueError("every region needs at least one member")
    steps = 1440 // STEP_MINUTES
    out = [round(steps * size / total) * STEP_MINUTES for size in sizes[:-1]]
    out.append(1440 - sum(out))
    if any(minutes <= 0 for minutes in out):
        raise ValueError("a region's share of the day rounds to nothing: too many regions for half-hour steps")
    return out


def _clock(minutes: int) -> str:
    minutes %= 1440
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def follow_the_sun(schedule_id: str, regions: Sequence[Region], first_day: date, timezone: str = "UTC",
                   handoff_days: int = 1, covers: Sequence[str] = (), midday: int = 13) -> Schedule:
    """A schedule whose day (in `timezone`) is split between `regions` in order, each region's window centred on
    `midday` o'clock of its own zone on `first_day` and sized to its headcount; within a region, members take
    turns every `handoff_days` days at their window's opening. Over a whole cycle every member is on call for
    24 h / (everyone) a day on average: the same hours for everyone, whichever region they are in."""
    if not regions:
        raise ValueError("a follow-the-sun rotation needs regions")
    if handoff_days < 1:
        raise ValueError("members hand off after at least a day")
    minutes = shares([len(r.members) for r in regions])
    schedule_zone = zone(timezone)
    noon = instant(datetime.combine(first_day, time(midday)), zone(regions[0].timezone))
    centre = local(noon, schedule_zone)
    first = (centre.hour * 60 + centre.minute - minutes[0] // 2) // STEP_MINUTES * STEP_MINUTES
    layers: list[Layer] = []
    opening = first
    for region, share in zip(regions, minutes, strict=True):
        begins = datetime.combine(first_day - timedelta(days=1), time()) + timedelta(minutes=opening % 1440)
        layers.append(Layer(
            name=region.name, members=list(region.members), start=begins, length=f"{handoff_days}d",
            restrictions=[Restriction(start=_clock(opening), end=_clock(opening + share) if share < 1440 else
                                      _clock(opening))]))
        opening += share
    return Schedule(id=schedule_id, name=schedule_id, timezone=timezone, layers=layers, covers=list(covers),
                    description="follow the sun: " + ", ".join(f"{r.name} ({len(r.members)})" for r in regions))
