"""Working calendars: Zammad's calendar bugs as regressions (#3180 a 24/7 calendar closed a minute at midnight, #390
holidays from an ICS feed), DST, crossing midnight, holidays by scope, and the expert's calendar as the SLA reads it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from triagedesk.domain.models import Expert
from triagedesk.domain.requests import clocks
from triagedesk.domain.routing.calendars import ALL_WEEK, Calendar, Holiday, OpenHours, WorkingCalendar
from triagedesk.domain.routing.coverage import CalendarBook
from triagedesk.domain.scoring.profiles import Profile
from triagedesk.formats import ics


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize("hours", [
    [OpenHours(days=list(range(7)), start="00:00", end="24:00")],
    [OpenHours(days=list(range(7)), start="00:00", end="00:00")],
    [OpenHours(days=list(range(7)), start="12:00", end="12:00")],  # noon to noon is the whole day too
])
@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/New_York", "Australia/Sydney"])
def test_zammad_3180_a_24_7_calendar_has_no_gap_at_midnight_or_at_a_dst_change(hours: list[OpenHours],
                                                                                zone: str) -> None:
    calendar = WorkingCalendar(zone, hours)
    for start in ("2024-03-09T20:00Z", "2024-03-30T21:30Z", "2024-10-05T13:00Z", "2024-10-26T21:00Z",
                  "2024-12-31T22:59Z"):
        begin = _at(start)
        end = begin + timedelta(hours=30)
        assert calendar.working_minutes_between(begin, end) == 30 * 60
        assert calendar.add_working_minutes(begin, 30 * 60) == end
        assert calendar.spans(begin, end) == [(begin, end)]  # one open stretch: no closed minute anywhere
    assert calendar.is_open(_at("2024-03-31T00:00Z")) and calendar.next_open(_at("2024-03-31T00:00Z")) == \
        _at("2024-03-31T00:00Z")


def test_zammad_390_ics_holidays_each_take_exactly_their_day_out_of_a_48_hour_clock() -> None:
    feed = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
            "BEGIN:VEVENT\r\nUID:1\r\nSUMMARY:St. Martin\r\nDTSTART;VALUE=DATE:20161111\r\n"
            "DTEND;VALUE=DATE:20161112\r\nEND:VEVENT\r\n"
            "BEGIN:VEVENT\r\nUID:2\r\nSUMMARY:Volkstrauertag\r\nDTSTART;VALUE=DATE:20161113\r\nEND:VEVENT\r\n"
            "END:VCALENDAR\r\n")
    days = ics.holidays(feed, "feed.ics", _at("2016-01-01T00:00Z"), _at("2017-01-01T00:00Z"))
    assert [h.day for h in days] == [date(2016, 11, 11), date(2016, 11, 13)]
    twelve = [OpenHours(days=list(range(7)), start="09:00", end="21:00")]
    created = _at("2016-11-09T22:00Z")  # 23:00 in Berlin, as in the report
    with_feed = WorkingCalendar("Europe/Berlin", twelve, [h.day for h in days if h.day])
    without = WorkingCalendar("Europe/Berlin", twelve)
    # 10, 12, 14, 15 November: four 12-hour days; the holidays move the due time by exactly two days
    assert with_feed.add_working_minutes(created, 48 * 60) == _at("2016-11-15T20:00Z")
    assert without.add_working_minutes(created, 48 * 60) == _at("2016-11-13T20:00Z")
    assert with_feed.working_minutes_between(created, _at("2016-11-15T20:00Z")) == 48 * 60


def test_a_window_crossing_midnight_counts_once_and_a_holiday_takes_only_its_local_day() -> None:
    nights = WorkingCalendar("Europe/Berlin", [OpenHours(days=[0], start="22:00", end="06:00"),
                                               OpenHours(days=[1], start="00:00", end="08:00")])
    monday = _at("2024-01-08T00:00Z")
    assert nights.working_minutes_between(monday, monday + timedelta(days=2)) == 10 * 60  # 22-08, overlap once
    off = WorkingCalendar("Europe/Berlin", [OpenHours(days=[0], start="22:00", end="06:00")], [date(2024, 1, 9)])
    assert off.working_minutes_between(monday, monday + timedelta(days=2)) == 2 * 60  # Tuesday's 00-06 is off


def test_timed_closures_and_the_next_opening() -> None:
    calendar = WorkingCalendar("UTC", [OpenHours()], closures=[(_at("2024-01-08T12:00Z"), _at("2024-01-08T13:00Z"))])
    assert calendar.working_minutes_between(_at("2024-01-08T00:00Z"), _at("2024-01-09T00:00Z")) == 7 * 60
    assert calendar.next_open(_at("2024-01-08T12:30Z")) == _at("2024-01-08T13:00Z")
    assert calendar.next_open(_at("2024-01-12T18:00Z")) == _at("2024-01-15T09:00Z")
    assert calendar.open_until(_at("2024-01-08T10:00Z")) == _at("2024-01-08T12:00Z")
    assert calendar.open_until(_at("2024-01-08T12:30Z")) is None


def test_a_calendar_without_a_single_open_minute_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="no opening hours"):
        WorkingCalendar("UTC", [OpenHours(days=[])])
    every_day_off = WorkingCalendar("UTC", ALL_WEEK, [date(2024, 1, 1) + timedelta(days=n) for n in range(4000)])
    with pytest.raises(ValueError, match="no open minute within ten years"):
        every_day_off.add_working_minutes(_at("2024-01-01T00:00Z"), 1)


def test_bad_calendars_are_refused() -> None:
    with pytest.raises(ValidationError):
        Calendar(id="b", kind="business")  # no hours
    with pytest.raises(ValidationError):
        Holiday(name="x", day=date(2024, 1, 1), start=_at("2024-01-01T00:00Z"), end=_at("2024-01-02T00:00Z"))
    with pytest.raises(ValidationError):
        OpenHours(start="24:00", end="24:00")


def test_the_clock_reads_the_experts_own_calendar_their_teams_or_8x5_less_the_holidays_that_apply(infra: Profile
                                                                                                ) -> None:
    ann = Expert(id="ann", timezone="Europe/Berlin", team="emea",
                 availability={"business_hours": "8x5", "after_hours": "none"})
    bob = Expert(id="bob", timezone="Europe/Berlin", availability={"business_hours": "8x5", "after_hours": "none"})
    christmas = Holiday(name="Christmas", day=date(2024, 12, 25))
    book = CalendarBook([
        Calendar(id="emea-hours", timezone="Europe/Berlin", hours=[OpenHours(days=[0, 1, 2, 3, 4, 5], start="08:00",
                                                                             end="20:00")], teams=["emea"]),
        Calendar(id="xmas", kind="holidays", holidays=[christmas], teams=["emea"]),
    ])
    wednesday = (_at("2024-12-25T00:00Z"), _at("2024-12-26T00:00Z"))
    assert clocks.expert_calendar(ann, infra, "high", book).working_minutes_between(*wednesday) == 0  # team holiday
    assert clocks.expert_calendar(bob, infra, "high", book).working_minutes_between(*wednesday) == 8 * 60  # 8x5
    saturday = (_at("2024-12-28T00:00Z"), _at("2024-12-29T00:00Z"))
    assert clocks.expert_calendar(ann, infra, "high", book).working_minutes_between(*saturday) == 12 * 60
    cover = ann.model_copy(update={"availability": ann.availability.model_copy(update={"after_hours": "24x7"})})
    assert clocks.expert_calendar(cover, infra, "high", book) is clocks.TWENTY_FOUR_SEVEN  # the cover rule is unchanged
    assert clocks.expert_calendar(ann, infra, "high") is not clocks.TWENTY_FOUR_SEVEN  # no calendars: the seeds' 8x5


def test_an_expert_scoped_holiday_calendar_applies_to_that_expert_only() -> None:
    book = CalendarBook([Calendar(id="h", kind="holidays", holidays=[Holiday(day=date(2024, 1, 8))],
                                  experts=["ann"])])
    ann, bob = Expert(id="ann", availability={"business_hours": "8x5"}), Expert(id="bob",
                                                                                 availability={"business_hours": "8x5"})
    day = (datetime(2024, 1, 8, tzinfo=UTC), datetime(2024, 1, 9, tzinfo=UTC))
    assert book.working(ann).working_minutes_between(*day) == 0
    assert book.working(bob).working_minutes_between(*day) == 8 * 60
    assert book.working(Expert(id="c")) is None  # 24x7 (the seeds' default) and no calendar: every minute
