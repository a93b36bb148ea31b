"""Schedules: bad data refused with the field named; DST in three zones (a 02:30 hand-off on a spring-forward day), a
restriction crossing midnight, an override spanning a hand-off, imported shifts, since/until, follow the sun."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from triagedesk.domain.routing.rota import Region, follow_the_sun, shares
from triagedesk.domain.routing.schedules import Layer, Override, Restriction, Schedule, Shift, parse_window
from triagedesk.domain.routing.timeline import ScheduleClock


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _clock(zone: str, *layers: dict, overrides: tuple[dict, ...] = ()) -> ScheduleClock:
    return ScheduleClock(Schedule.model_validate({"id": "s", "timezone": zone, "layers": list(layers),
                                                  "overrides": list(overrides)}))


@pytest.mark.parametrize(("data", "field"), [
    ({"id": "bad name!", "layers": [{"members": ["a"], "start": "2024-01-01T09:00"}]}, "id"),
    ({"id": "s", "timezone": "Mars/Olympus", "layers": [{"members": ["a"], "start": "2024-01-01T09:00"}]},
     "timezone"),
    ({"id": "s", "layers": []}, "layers"),
    ({"id": "s", "layers": [{"members": ["a"]}]}, "layers.0"),
    ({"id": "s", "layers": [{"members": ["a"], "start": "2024-01-01T09:00", "length": "30m"}]}, "length"),
    ({"id": "s", "layers": [{"members": ["a"], "start": "2024-01-01T09:00Z"}]}, "start"),
    ({"id": "s", "layers": [{"members": [" "], "start": "2024-01-01T09:00"}]}, "members"),
    ({"id": "s", "layers": [{"members": ["a"], "start": "2024-01-01T09:00",
                             "restrictions": [{"days": ["funday"]}]}]}, "days"),
    ({"id": "s", "layers": [{"members": ["a"], "start": "2024-01-01T09:00",
                             "restrictions": [{"start": "25:00"}]}]}, "start"),
    ({"id": "s", "layers": [{"members": ["a"], "start": "2024-01-01T09:00"}],
      "overrides": [{"member": "b", "start": "2024-01-02T10:00Z", "end": "2024-01-02T09:00Z"}]}, "overrides.0"),
])
def test_bad_schedules_are_refused_naming_the_field(data: dict, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Schedule.model_validate(data)
    assert ".".join(str(p) for p in caught.value.errors()[0]["loc"]).startswith(field) or \
        field in str(caught.value)


def test_a_window_is_read_as_days_and_times() -> None:
    assert parse_window("mon-fri 09:00-17:00") == ([0, 1, 2, 3, 4], "09:00", "17:00")
    assert parse_window("fri-mon 22:00-06:00") == ([0, 4, 5, 6], "22:00", "06:00")
    for bad in ("9-17", "mon-xyz 09:00-17:00", "mon 09:00-25:00"):
        with pytest.raises(ValueError):
            parse_window(bad)


@pytest.mark.parametrize(("zone", "day", "handoff_utc", "hours_after"), [
    ("Europe/Berlin", "2024-03-31", "2024-03-31T01:30Z", 23),      # 02:30 does not exist: 03:30 CEST
    ("America/New_York", "2024-03-10", "2024-03-10T07:30Z", 23),   # 03:30 EDT
    ("Australia/Sydney", "2024-10-06", "2024-10-05T16:30Z", 23),   # 03:30 AEDT
    ("Europe/Berlin", "2024-10-27", "2024-10-27T00:30Z", 25),      # 02:30 twice: the first (CEST)
])
def test_a_daily_handoff_at_0230_on_a_dst_day(zone: str, day: str, handoff_utc: str, hours_after: int) -> None:
    first = datetime.fromisoformat(day) - timedelta(days=2)
    clock = _clock(zone, {"members": ["ann", "bob"], "start": f"{first:%Y-%m-%d}T02:30", "length": "1d"})
    handoff = _at(handoff_utc)
    before, after = clock.answer(handoff - timedelta(minutes=1)), clock.answer(handoff)
    assert before.member != after.member and before.until == handoff and after.since == handoff
    assert (handoff - before.since).total_seconds() / 3600 == 24
    assert (after.until - handoff).total_seconds() / 3600 == hours_after  # the shift the clock change shortens


def test_a_weekly_monday_0900_handoff_stays_at_0900_local_across_dst() -> None:
    clock = _clock("Europe/Berlin", {"members": ["ann", "bob"], "start": "2024-03-25T09:00", "length": "1w"})
    assert clock.answer(_at("2024-03-27T12:00Z")).until == _at("2024-04-01T07:00Z")  # CEST since 31 March
    assert clock.answer(_at("2024-03-27T12:00Z")).since == _at("2024-03-25T08:00Z")  # CET


def test_a_restriction_crossing_midnight_covers_the_small_hours_of_the_next_day() -> None:
    clock = _clock("Europe/Berlin",
                   {"name": "days", "members": ["ann"], "start": "2024-01-01T00:00", "length": "1w"},
                   {"name": "nights", "members": ["nina", "ned"], "start": "2024-01-01T22:00", "length": "1d",
                    "restrictions": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "22:00", "end": "06:00"}]})
    assert clock.who(_at("2024-01-02T22:30Z")) == "ned"        # Tue 23:30 Berlin
    assert clock.who(_at("2024-01-03T04:30Z")) == "ned"        # Wed 05:30: Tuesday's window
    assert clock.who(_at("2024-01-03T05:30Z")) == "ann"        # Wed 06:30: closed
    assert clock.who(_at("2024-01-06T01:00Z")) == "nina"       # Sat 02:00: Friday's window
    assert clock.who(_at("2024-01-07T01:00Z")) == "ann"        # Sun 02:00: no Saturday window
    night = clock.answer(_at("2024-01-02T22:30Z"))
    assert (night.since, night.until, night.source) == (_at("2024-01-02T21:00Z"), _at("2024-01-03T05:00Z"), "nights")


WEEKLY = {"name": "weekly", "members": ["ann", "bob"], "start": "2024-01-01T09:00", "length": "1w"}


def test_an_override_spanning_a_handoff_holds_through_it() -> None:
    cover = {"member": "zed", "start": "2024-01-07T20:00Z", "end": "2024-01-08T12:00Z"}
    clock = _clock("UTC", WEEKLY, overrides=(cover,))
    assert [clock.who(_at(t)) for t in ("2024-01-07T19:59Z", "2024-01-08T08:59Z", "2024-01-08T09:00Z",
                                         "2024-01-08T12:00Z")] == ["ann", "zed", "zed", "bob"]
    answer = clock.answer(_at("2024-01-08T10:00Z"))
    assert (answer.member, answer.since, answer.until, answer.source) == (
        "zed", _at("2024-01-07T20:00Z"), _at("2024-01-08T12:00Z"), "override")


def test_an_override_replacing_one_member_ends_at_their_handoff() -> None:
    dentist = {"member": "zed", "replaces": "ann", "start": "2024-01-07T20:00Z", "end": "2024-01-08T12:00Z"}
    clock = _clock("UTC", WEEKLY, overrides=(dentist,))
    assert clock.who(_at("2024-01-08T08:00Z")) == "zed" and clock.who(_at("2024-01-08T10:00Z")) == "bob"
    assert clock.answer(_at("2024-01-08T08:00Z")).until == _at("2024-01-08T09:00Z")


def test_the_latest_override_wins_where_two_overlap() -> None:
    clock = _clock("UTC", WEEKLY, overrides=(
        {"member": "x", "start": "2024-01-02T00:00Z", "end": "2024-01-05T00:00Z"},
        {"member": "y", "start": "2024-01-03T00:00Z", "end": "2024-01-04T00:00Z"}))
    assert [clock.who(_at(t)) for t in ("2024-01-02T12:00Z", "2024-01-03T12:00Z", "2024-01-04T12:00Z")] == \
        ["x", "y", "x"]


def test_imported_shifts_the_latest_starting_wins_and_gaps_are_nobody() -> None:
    shifts = [Shift(member="a", start=_at("2024-01-01T00:00Z"), end=_at("2024-01-01T12:00Z")),
              Shift(member="b", start=_at("2024-01-01T06:00Z"), end=_at("2024-01-01T08:00Z"))]
    clock = ScheduleClock(Schedule(id="i", layers=[Layer(shifts=shifts)]))
    assert [clock.who(_at(t)) for t in ("2024-01-01T05:00Z", "2024-01-01T07:00Z", "2024-01-01T09:00Z",
                                         "2024-01-01T13:00Z")] == ["a", "b", "a", None]


def test_one_member_forever_has_no_until_and_before_the_start_nobody() -> None:
    clock = _clock("UTC", {"members": ["solo"], "start": "2024-01-01T00:00", "length": "1d"})
    answer = clock.answer(_at("2024-06-01T00:00Z"))
    assert answer.member == "solo" and answer.until is None and answer.since == _at("2024-01-01T00:00Z")
    assert clock.who(_at("2023-12-31T23:59Z")) is None


def test_a_later_layer_wins_where_it_has_someone() -> None:
    clock = _clock("UTC", WEEKLY, {"members": ["late"], "start": "2024-01-01T00:00", "length": "1d",
                                   "restrictions": [Restriction(days=[5, 6], start="00:00", end="24:00").model_dump()]})
    assert clock.who(_at("2024-01-06T10:00Z")) == "late" and clock.who(_at("2024-01-05T10:00Z")) == "ann"


def test_handoffs_list_the_next_people() -> None:
    clock = _clock("UTC", {"members": ["a", "b", "c"], "start": "2024-01-01T00:00", "length": "1d"})
    nxt = clock.handoffs(_at("2024-01-01T12:00Z"), 3)
    assert [(h.member, h.start) for h in nxt] == [("b", _at("2024-01-02T00:00Z")), ("c", _at("2024-01-03T00:00Z")),
                                                  ("a", _at("2024-01-04T00:00Z"))]


def test_follow_the_sun_shares_the_day_by_headcount_and_balances_people() -> None:
    assert shares([2, 2]) == [720, 720] and shares([3, 1]) == [1080, 360] and sum(shares([2, 3, 1])) == 1440
    with pytest.raises(ValueError):
        shares([2, 0])
    regions = [Region("berlin", "Europe/Berlin", ["b1", "b2"]), Region("singapore", "Asia/Singapore", ["s1", "s2"])]
    schedule = follow_the_sun("fts", regions, date(2024, 1, 1))
    clock = ScheduleClock(schedule)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    hours: dict[str, float] = {}
    for s in clock.stretches(start, start + timedelta(days=28)):
        assert s.member is not None, "follow the sun leaves no gap"
        hours[s.member] = hours.get(s.member, 0) + (s.end - s.start).total_seconds() / 3600
    assert set(hours) == {"b1", "b2", "s1", "s2"} and max(hours.values()) - min(hours.values()) <= 12
    assert clock.who(_at("2024-01-10T02:00Z")) in {"s1", "s2"}   # 03:00 Berlin: the Singapore half
    assert clock.who(_at("2024-01-10T12:00Z")) in {"b1", "b2"}   # 13:00 Berlin


def test_an_override_needs_its_end_after_its_start() -> None:
    with pytest.raises(ValidationError):
        Override(member="a", start=_at("2024-01-02T00:00Z"), end=_at("2024-01-02T00:00Z"))


def test_a_24_hour_window_from_the_day_before_closes_after_a_shorter_one_of_the_next_day() -> None:
    """Found by the property test: Saturday's 01:30-01:30 window outlasts Sunday's 00:30-01:00 one."""
    clock = _clock("UTC", {"members": ["ann"], "start": "2024-03-20T00:00", "length": "1h"},
                   {"members": ["bob"], "start": "2024-03-20T00:00", "length": "1h", "restrictions": [
                       {"days": [6], "start": "00:30", "end": "01:00"},
                       {"days": [5], "start": "01:30", "end": "01:30"}]})
    answer = clock.answer(_at("2024-03-25T00:00Z"))
    assert (answer.member, answer.since) == ("ann", _at("2024-03-24T01:30Z"))
    assert clock.who(_at("2024-03-24T01:15Z")) == "bob"


def test_the_week_grid_reads_each_hour_on_the_schedules_wall_clock_across_a_dst_change() -> None:
    from triagedesk.domain.routing.week import grid, week_bounds, week_start

    clock = _clock("Europe/Berlin", {"members": ["ann", "bob"], "start": "2024-03-25T09:00", "length": "1d"},
                   overrides=({"member": "zed", "start": "2024-03-26T08:00Z", "end": "2024-03-26T10:00Z"},))
    first = week_start(_at("2024-03-27T12:00Z"), "Europe/Berlin")
    start, end = week_bounds(first, "Europe/Berlin")
    rows = grid(clock.stretches(start, end), first, "Europe/Berlin")
    assert first.isoformat() == "2024-03-25" and len(rows) == 7 and all(len(r) == 24 for r in rows)
    assert rows[0][8] == (None, False) and rows[0][9] == ("ann", False)  # before the first hand-off: nobody
    assert rows[1][8] == ("ann", False) and rows[1][9] == ("zed", True) and rows[1][10] == ("zed", True)
    assert rows[1][11] == ("bob", False)  # the override ended at 10:00Z, 11:00 in Berlin
    assert rows[6][9] == ("ann", False) and rows[6][8] == ("bob", False)  # Sunday 31 March, 09:00 CEST
