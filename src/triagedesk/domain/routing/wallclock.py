"""Wall-clock time in a zone: local times to instants (DST gaps and overlaps decided once) and weekly windows."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")
"""`HH:MM` from 00:00 to 24:00 (24:00 only as an end: the next midnight)."""
DAY = timedelta(days=1)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Span = tuple[datetime, datetime]
"""A half-open interval [start, end) of UTC instants."""


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    """The IANA zone `name`; ValueError naming it when unknown (a folder of the database, `America`, or a name
    too long for a file: ZoneInfo's OSError)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown time zone {name!r}") from None


def known_zone(name: str) -> str:
    """A pydantic validator: the name of a time zone that exists."""
    zone(name)
    return name


@lru_cache(maxsize=4096)
def minutes_of(text: str) -> int:
    """`HH:MM` as minutes after midnight (24:00 is 1440); ValueError for anything else."""
    if not CLOCK.match(text):
        raise ValueError(f"{text!r} is not a time like 09:00 (00:00 to 24:00)")
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def weekday_numbers(days: Iterable[int | str]) -> list[int]:
    """Weekdays as 0 (Monday) to 6 (Sunday), from numbers or names (`mon`, `Tuesday`)."""
    out: list[int] = []
    for day in days:
        if isinstance(day, str) and not day.isdigit():
            key = day.strip().lower()[:3]
            if key not in WEEKDAYS:
                raise ValueError(f"{day!r} is not a weekday (mon..sun)")
            out.append(WEEKDAYS.index(key))
        else:
            number = int(day)
            if not 0 <= number <= 6:
                raise ValueError(f"weekday {number} is not 0 (Monday) to 6 (Sunday)")
            out.append(number)
    return sorted(set(out))


@lru_cache(maxsize=1 << 16)
def steady_offset(where: ZoneInfo, day: date) -> timedelta | None:
    """The zone's UTC offset all through local `day`, or None on a day its clocks change (the same at this
    midnight and the next: no zone changes twice in a day). Shared by every schedule and calendar in the zone."""
    first = datetime.combine(day, time(), tzinfo=where).utcoffset()
    if first is None or first != datetime.combine(day + DAY, time(), tzinfo=where).utcoffset():
        return None
    return first


def instant(local: datetime, where: ZoneInfo) -> datetime:
    """A wall-clock time in `where` as a UTC instant.

    A time that does not exist (the hour skipped when clocks spring forward) moves forward by the gap, as
    RFC 5545 reads it: 02:30 on a Berlin spring-forward day is 03:30 CEST. A time that exists twice (clocks
    falling back) is its first occurrence."""
    offset = steady_offset(where, local.date())
    if offset is not None:  # a day without a change: plain arithmetic
        return local.replace(tzinfo=UTC) - offset
    return local.replace(tzinfo=where, fold=0).astimezone(UTC)


def local(moment: datetime, where: ZoneInfo) -> datetime:
    """The wall-clock time (naive) of a UTC instant in `where`."""
    return moment.astimezone(where).replace(tzinfo=None)


def window_on(day: date, start: int, end: int, where: ZoneInfo) -> Span:
    """The instants of a window opening on local `day` at `start` minutes and closing at `end` minutes: the same
    day when end > start, else the next day (a window crossing midnight; end == start is 24 hours)."""
    opens = datetime.combine(day, time()) + timedelta(minutes=start)
    closes = datetime.combine(day if end > start else day + DAY, time()) + timedelta(minutes=end)
    return instant(opens, where), instant(closes, where)


def merged(spans: Iterable[Span]) -> list[Span]:
    """Spans sorted and joined where they overlap or touch (so 24:00 and the next 00:00 leave no gap)."""
    out: list[Span] = []
    for start, end in sorted(spans):
        if end <= start:
            continue
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def minus(spans: list[Span], holes: list[Span]) -> list[Span]:
    """`spans` (sorted, disjoint) without the instants of `holes` (sorted, disjoint)."""
    if not holes:
        return spans
    out: list[Span] = []
    for start, end in spans:
        at = start
        for hole_start, hole_end in holes:
            if hole_end <= at or hole_start >= end:
                continue
            if hole_start > at:
                out.append((at, hole_start))
            at = max(at, hole_end)
            if at >= end:
                break
        if at < end:
            out.append((at, end))
    return out
