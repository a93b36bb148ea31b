"""Real calendars (tests/fixtures/ics/SOURCES.md) imported as shift and holiday calendars; the on-call answer is
checked against recurring-ical-events' own expansion of the same file, instant by instant."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events

from triagedesk.domain.errors import InputError
from triagedesk.domain.models import Expert
from triagedesk.domain.routing.calendars import OpenHours, WorkingCalendar
from triagedesk.domain.routing.schedules import Layer, Schedule
from triagedesk.domain.routing.timeline import ScheduleClock
from triagedesk.formats import ics

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ics"


def _text(name: str) -> str:
    return (FIXTURES / name).read_text("utf-8")


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _schedule(name: str, experts: list[Expert], start: datetime, end: datetime, zone: str) -> ScheduleClock:
    found = ics.shifts(_text(name), name, experts, start, end, zone)
    assert found.shifts, f"{name}: no shift imported"
    return ScheduleClock(Schedule(id="imported", timezone=zone, layers=[Layer(shifts=found.shifts)]))


@cache
def _query(name: str) -> Any:
    return recurring_ical_events.of(icalendar.Calendar.from_ical(_text(name)))


def _expected(name: str, experts: list[Expert], moment: datetime, floating: str | None = None) -> set[str]:
    """recurring-ical-events' answer: the experts named by the latest-starting events occurring at `moment`
    (asked in `floating` local time for a file of all-day events: their days are the team's local days)."""
    asked = moment.astimezone(ZoneInfo(floating)).replace(tzinfo=None) if floating else moment
    events = _query(name).between(asked, asked + timedelta(seconds=1))
    named = [(ics.span_of(e, floating or "UTC")[0], ics.named_expert(e, experts)) for e in events]
    named = [(start, expert.id) for start, expert in named if expert is not None]
    if not named:
        return set()
    latest = max(start for start, _ in named)
    return {who for start, who in named if start == latest}


def _compare(name: str, experts: list[Expert], start: datetime, end: datetime, step: timedelta, zone: str,
             all_day: bool = False) -> int:
    clock = _schedule(name, experts, start, end, zone)
    checked = covered = 0
    moment = start
    while moment < end:
        expected = _expected(name, experts, moment, zone if all_day else None)
        got = clock.who(moment)
        assert (got in expected) if expected else got is None, f"{name} at {moment}: {got} vs {expected}"
        checked += 1
        covered += got is not None
        moment += step
    assert covered > 0
    return checked


def test_a_google_export_with_weekly_rules_exdates_and_a_dst_change_matches_its_own_expansion() -> None:
    experts = [Expert(id="mon", name="Montessori Schulklasse"), Expert(id="lab", name="OpenLab"),
               Expert(id="ccc", name="Chaostreff"), Expert(id="plenum", name="machBar Plenum")]
    checked = _compare("daylight_saving_time.ics", experts, _at("2019-02-25T00:00"), _at("2019-04-15T00:00"),
                       timedelta(minutes=90), "Europe/Berlin")
    assert checked == 49 * 16
    clock = _schedule("daylight_saving_time.ics", experts, _at("2019-02-01T00:00"), _at("2019-05-01T00:00"),
                      "Europe/Berlin")
    # the Thursday class 08:30-14:30 Berlin: 07:30Z in winter, 06:30Z once summer time began (31 March)
    assert clock.who(_at("2019-03-14T07:45")) == "mon" and clock.who(_at("2019-03-14T07:15")) is None
    assert clock.who(_at("2019-04-04T06:45")) == "mon"
    assert clock.who(_at("2019-03-07T08:00")) is None  # EXDATE;TZID=Europe/Berlin:20190307T083000


def test_an_exchange_export_with_windows_zones_and_all_day_fortnights_matches_its_expansion() -> None:
    experts = [Expert(id="black", name="Refuse black bin"), Expert(id="blue", name="Blue Recycle bin")]
    checked = _compare("issue_28_rrule_with_UTC_endinginZ.ics", experts, _at("2020-03-30T00:00"),
                       _at("2020-10-01T00:00"), timedelta(hours=7), "Europe/London", all_day=True)
    assert checked > 500


def test_a_weekly_series_minus_an_exdate_in_utc_leaves_that_week_uncovered() -> None:
    experts = [Expert(id="test6", name="test6")]
    found = ics.shifts(_text("each_week_but_one_deleted.ics"), "x", experts, _at("2019-01-01T00:00"),
                       _at("2020-01-01T00:00"), "Europe/Berlin")
    assert len(found.shifts) == 7  # COUNT=8, one deleted
    assert _at("2019-03-10T23:30") not in {s.start for s in found.shifts}
    _compare("each_week_but_one_deleted.ics", experts, _at("2019-03-03T00:00"), _at("2019-05-01T00:00"),
             timedelta(minutes=75), "Europe/Berlin")


def test_a_thunderbird_export_with_a_historical_vtimezone_is_read_in_its_zone() -> None:
    found = ics.shifts(_text("issue_223_thunderbird.ics"), "x", [Expert(id="event", name="event")],
                       _at("2025-04-01T00:00"), _at("2025-05-01T00:00"))
    assert found.shifts and all(s.member == "event" for s in found.shifts)
    assert _at("2025-04-23T08:00") in {s.start for s in found.shifts}  # 09:00 BST


def test_an_attendee_names_the_expert_and_events_naming_nobody_are_reported() -> None:
    experts = [Expert(id="calendar-bot", email="j68lhv614hbv3u4ttbrs6glhpg@group.calendar.google.com")]
    found = ics.shifts(_text("daylight_saving_time.ics"), "x", experts, _at("2019-01-01T00:00"),
                       _at("2019-12-31T00:00"), "Europe/Berlin")
    assert found.shifts and {s.member for s in found.shifts} == {"calendar-bot"}
    assert found.skipped  # events without that attendee


def test_holidays_from_an_outlook_export_are_its_all_day_events() -> None:
    found = ics.holidays(_text("Germany.ics"), "Germany.ics", _at("2009-01-01T00:00"), _at("2010-01-01T00:00"))
    calendar = icalendar.Calendar.from_ical(_text("Germany.ics"))
    theirs = {e["DTSTART"].dt for e in recurring_ical_events.of(calendar).between(date(2009, 1, 1), date(2010, 1, 1))}
    assert theirs and {h.day for h in found} == theirs
    assert date(2009, 12, 25) in {h.day for h in found}


def test_an_all_day_holiday_written_with_dtend_equal_to_dtstart_is_one_whole_day() -> None:
    found = ics.holidays(_text("Germany_Holidays.ics"), "x", _at("2019-01-01T00:00"), _at("2020-01-01T00:00"))
    days = {h.day for h in found}
    assert date(2019, 1, 1) in days and date(2019, 1, 2) not in days
    open_daily = WorkingCalendar("Europe/Berlin", [OpenHours(days=list(range(7)), start="09:00", end="17:00")],
                                 days=days)
    # New Year's Day removes exactly its 8 hours (not zero for the empty event, not a second day)
    assert open_daily.working_minutes_between(_at("2018-12-31T00:00"), _at("2019-01-03T00:00")) == 2 * 8 * 60


def test_a_broken_file_is_one_line_naming_it() -> None:
    with pytest.raises(InputError, match=r"^bad\.ics: not an iCalendar file"):
        ics.holidays("BEGIN:VCALENDAR\nthis is not ical", "bad.ics", _at("2019-01-01T00:00"), _at("2020-01-01T00:00"))
    with pytest.raises(InputError, match="bad.ics: not an iCalendar file"):
        ics.shifts("hello", "bad.ics", [], _at("2019-01-01T00:00"), _at("2020-01-01T00:00"))


TWICE = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//review//EN
BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:STANDARD
DTSTART:19701025T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:19700329T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
UID:first@review
DTSTART:20190101T090000Z
DTEND:20190101T100000Z
SUMMARY:fine
BEGIN:VALARM
ACTION:DISPLAY
TRIGGER:-PT5M
END:VALARM
END:VEVENT
BEGIN:VEVENT
SUMMARY:Night shift
 of ann
DTSTART:20190102T090000Z
DTEND:20190102T100000Z
DTEND:20190102T110000Z
END:VEVENT
END:VCALENDAR
"""


def test_an_events_time_given_twice_is_one_line_naming_the_line_and_the_event() -> None:
    window = (_at("2019-01-01T00:00"), _at("2020-01-01T00:00"))
    with pytest.raises(InputError, match=r"^two\.ics: line 32: event 'Night shift': DTEND a second time \(line 31"):
        ics.holidays(TWICE, "two.ics", *window)
    fine = TWICE.replace("DTEND:20190102T110000Z\n", "")  # a zone's many DTSTARTs, an alarm, a folded summary: fine
    assert len(ics.holidays(fine, "fine.ics", *window)) == 2


def test_a_country_and_a_region_come_from_the_holidays_package() -> None:
    national = {h.day for h in ics.country("de", None, [2024])}
    bavaria = {h.day for h in ics.country("DE", "BY", [2024])}
    assert date(2024, 12, 25) in national and date(2024, 1, 6) not in national and date(2024, 1, 6) in bavaria
    with pytest.raises(InputError, match="--country XX: not a country"):
        ics.country("XX", None, [2024])
    with pytest.raises(InputError, match="--region"):
        ics.country("DE", "NOPE", [2024])


def test_an_exported_schedule_imports_back_to_the_same_answers() -> None:
    schedule = Schedule(id="ops", timezone="Europe/Berlin", layers=[
        Layer(members=["ann", "bob"], start=datetime(2024, 3, 25, 9), length="1w")])
    clock = ScheduleClock(schedule)
    start, end = _at("2024-03-25T00:00"), _at("2024-05-01T00:00")
    experts = {"ann": Expert(id="ann", name="Ann Lee", email="ann@example.org"), "bob": Expert(id="bob", name="Bob")}
    text = ics.export("ops", clock.stretches(start, end), experts)
    again = ScheduleClock(Schedule(id="again", layers=[Layer(shifts=ics.shifts(
        text, "ops.ics", list(experts.values()), start, end).shifts)]))
    moment = start
    while moment < end:
        assert again.who(moment) == clock.who(moment), moment
        moment += timedelta(minutes=45)
