"""iCalendar (RFC 5545) in and out: shift calendars to schedules, holiday calendars and countries to calendars,
schedules to ICS. Recurrences (RRULE, RDATE, EXDATE, moved occurrences) are expanded by recurring-ical-events."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import icalendar
import recurring_ical_events

from triagedesk.domain.errors import InputError
from triagedesk.domain.models import Expert
from triagedesk.domain.routing.calendars import Holiday
from triagedesk.domain.routing.schedules import Shift
from triagedesk.domain.routing.timeline import Stretch
from triagedesk.domain.routing.wallclock import instant, zone

DAY = timedelta(days=1)


def _first_line(exc: Exception) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:120]


def parse(text: str, source: str) -> icalendar.Calendar:
    """The calendar in `text`; a one-line error naming `source` when it is not one."""
    try:
        found = icalendar.Calendar.from_ical(text)
    except (ValueError, KeyError, IndexError) as exc:
        raise InputError(f"{source}: not an iCalendar file ({_first_line(exc)})") from None
    if not isinstance(found, icalendar.Calendar):
        raise InputError(f"{source}: not an iCalendar file (no VCALENDAR)")
    check_events(text, source)
    return found


ONCE = frozenset({"DTSTART", "DTEND", "DURATION", "RECURRENCE-ID"})
"""An event's times, each at most once (RFC 5545 3.6.1): a second one is refused, never guessed between."""


def check_events(text: str, source: str) -> None:
    """A one-line error naming the file, the line and the event (its UID, else its summary) where an event gives
    one of its times twice (icalendar's own test calendars `pacific_fiji.ics` do): expanding it would fail."""
    seen: dict[str, int] = {}
    stack: list[str] = []
    uid = summary = ""
    for number, line in enumerate(text.splitlines(), 1):
        if not line or line[0] in " \t":
            continue  # a folded line's continuation
        name = re.split(r"[;:]", line, maxsplit=1)[0].strip().upper()
        value = line.split(":", 1)[1].strip() if ":" in line else ""
        if name == "BEGIN":
            stack.append(value.upper())
            if stack[-1] == "VEVENT":
                seen, uid, summary = {}, "", ""
        elif name == "END":
            if stack:
                stack.pop()
        elif stack and stack[-1] == "VEVENT":
            uid = value if name == "UID" and not uid else uid
            summary = value if name == "SUMMARY" and not summary else summary
            if name in ONCE and name in seen:
                which = f"UID {uid!r}" if uid else (f"{summary!r}" if summary else f"starting on line {seen[name]}")
                raise InputError(f"{source}: line {number}: event {which[:120]}: {name} a second time (line "
                                 f"{seen[name]} gives it; RFC 5545 allows one)")
            seen.setdefault(name, number)


def calendar_zone(calendar: icalendar.Calendar, default: str) -> str:
    """The zone floating times and all-day events are read in: X-WR-TIMEZONE when it names a known zone."""
    named = str(calendar.get("X-WR-TIMEZONE", "") or "")
    try:
        zone(named)
    except ValueError:
        return default
    return named


def occurrences(calendar: icalendar.Calendar, source: str, start: datetime, end: datetime) -> list[Any]:
    """Every event occurring in [start, end), recurrences expanded."""
    try:
        return list(recurring_ical_events.of(calendar, skip_bad_series=True).between(start, end))
    except (ValueError, TypeError, KeyError, AttributeError) as exc:  # what check_events cannot foresee
        raise InputError(f"{source}: cannot expand its events ({_first_line(exc)})") from None


def _moment(value: date | datetime, where: str) -> datetime:
    if isinstance(value, datetime):
        return instant(value, zone(where)) if value.tzinfo is None else value.astimezone(UTC)
    return instant(datetime.combine(value, time()), zone(where))


def span_of(event: Any, where: str) -> tuple[datetime, datetime, bool]:
    """An occurrence's start and end (UTC) and whether it is all-day; an all-day event without a later end is
    its one day (exports that write DTEND = DTSTART), a timed one without an end is a moment."""
    start_value = event["DTSTART"].dt
    end_prop = event.get("DTEND")
    end_value = end_prop.dt if end_prop is not None else None
    all_day = not isinstance(start_value, datetime)
    if all_day:
        last = end_value if isinstance(end_value, date) and not isinstance(end_value, datetime) else start_value
        last = max(last, start_value + DAY)
        return _moment(start_value, where), _moment(last, where), True
    start = _moment(start_value, where)
    end = _moment(end_value, where) if end_value is not None else start
    return start, max(end, start), False


def _words(text: str) -> str:
    return " " + re.sub(r"[^0-9a-z@._-]+", " ", text.lower()) + " "


def named_expert(event: Any, experts: list[Expert]) -> Expert | None:
    """The expert an event names: an attendee's address or name, else their id or name in the summary."""
    attendees = event.get("ATTENDEE") or []
    if not isinstance(attendees, list):
        attendees = [attendees]
    for attendee in attendees:
        address = str(attendee).lower().removeprefix("mailto:")
        common = str(getattr(attendee, "params", {}).get("CN", "")).lower()
        for expert in experts:
            if (expert.email and expert.email.lower() == address) or (expert.name and expert.name.lower() == common):
                return expert
    summary = _words(str(event.get("SUMMARY", "")))
    for expert in experts:
        for label in (expert.id, expert.name):
            if label and _words(label) in summary:
                return expert
    return None


@dataclass
class ShiftImport:
    """What a shift calendar gave: the shifts of experts it names, and the occurrences naming nobody."""

    shifts: list[Shift]
    skipped: list[str]


def shifts(text: str, source: str, experts: list[Expert], start: datetime, end: datetime,
           default_zone: str = "UTC") -> ShiftImport:
    """Every occurrence in [start, end) whose attendee or summary names an expert, as a shift of that expert."""
    calendar = parse(text, source)
    where = calendar_zone(calendar, default_zone)
    out: list[Shift] = []
    skipped: list[str] = []
    for event in occurrences(calendar, source, start, end):
        begins, ends, _ = span_of(event, where)
        if ends <= begins:
            continue
        expert = named_expert(event, experts)
        if expert is None:
            skipped.append(str(event.get("SUMMARY", "")))
            continue
        out.append(Shift(member=expert.id, start=begins, end=ends, summary=str(event.get("SUMMARY", ""))[:200]))
    return ShiftImport(sorted(out, key=lambda s: (s.start, s.end, s.member)), skipped)


def holidays(text: str, source: str, start: datetime, end: datetime, default_zone: str = "UTC") -> list[Holiday]:
    """Every occurrence in [start, end) as a holiday: all-day events as their local days, timed ones as closures."""
    calendar = parse(text, source)
    where = calendar_zone(calendar, default_zone)
    out: dict[tuple[Any, ...], Holiday] = {}
    for event in occurrences(calendar, source, start, end):
        name = str(event.get("SUMMARY", ""))[:200]
        if not isinstance(event["DTSTART"].dt, datetime):
            first = event["DTSTART"].dt
            last_prop = event.get("DTEND")
            last = last_prop.dt if last_prop is not None and not isinstance(last_prop.dt, datetime) else first
            day = first
            while day < max(last, first + DAY):
                out.setdefault(("day", day), Holiday(name=name, day=day))
                day += DAY
            continue
        begins, ends, _ = span_of(event, where)
        if ends > begins:
            out.setdefault(("span", begins, ends), Holiday(name=name, start=begins, end=ends))
    return sorted(out.values(), key=lambda h: (h.day.isoformat() if h.day else "", h.start or datetime.min.replace(
        tzinfo=UTC)))


def country(code: str, region: str | None, years: Iterable[int]) -> list[Holiday]:
    """Public holidays of a country (ISO 3166 code, optionally a region/subdivision) from the `holidays` package."""
    import holidays as holiday_data

    known = holiday_data.list_supported_countries()
    if code.upper() not in known:
        raise InputError(f"--country {code}: not a country the holidays package knows (ISO 3166 codes: DE, US...)")
    if region and region.upper() not in {s.upper() for s in known[code.upper()]}:
        shown = ", ".join(sorted(known[code.upper()])[:12])
        raise InputError(f"--region {region}: not a region of {code.upper()} (known: {shown}...)")
    found = holiday_data.country_holidays(code.upper(), subdiv=region.upper() if region else None, years=list(years))
    return [Holiday(name=str(name), day=day) for day, name in sorted(found.items())]


def export(schedule_id: str, stretches: Iterable[Stretch], experts: dict[str, Expert]) -> str:
    """The schedule's shifts as an iCalendar file (UTC times), one event per person's stretch on call."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//triagedesk//on-call schedule//EN")
    calendar.add("version", "2.0")
    calendar.add("X-WR-CALNAME", f"On call: {schedule_id}")
    stamp = datetime.now(UTC).replace(microsecond=0)
    for stretch in stretches:
        if stretch.member is None:
            continue
        expert = experts.get(stretch.member)
        event = icalendar.Event()
        event.add("uid", f"{schedule_id}-{stretch.member}-{stretch.start:%Y%m%dT%H%M%SZ}@triagedesk")
        event.add("dtstamp", stamp)
        event.add("dtstart", stretch.start)
        event.add("dtend", stretch.end)
        who = expert.name if expert and expert.name else stretch.member
        marked = " - override" if stretch.source == "override" else ""
        event.add("summary", f"On call: {who} ({schedule_id}){marked}")
        if expert is not None and expert.email:
            event.add("attendee", f"mailto:{expert.email}", parameters={"CN": who})
        calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")
