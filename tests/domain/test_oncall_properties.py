"""Properties of schedules and calendars over random data: at every instant exactly the member the layers and
overrides say (against a plain, slow reading of the rules), the same answers whatever step walks through time,
and business minutes equal to the open quarter-hours counted one by one, less holidays."""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from triagedesk.domain.routing.calendars import OpenHours, WorkingCalendar
from triagedesk.domain.routing.schedules import Layer, Override, Restriction, Schedule
from triagedesk.domain.routing.timeline import ScheduleClock

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Sydney"]
BASE = datetime(2024, 3, 20)  # a window that holds the March and April DST changes of all three zones
PEOPLE = ["ann", "bob", "cy", "dee"]
clock_times = st.integers(0, 47).map(lambda n: f"{n // 2:02d}:{30 * (n % 2):02d}")
restrictions = st.builds(lambda days, start, end: Restriction(days=days, start=start, end=end),
                         st.lists(st.integers(0, 6), min_size=1, max_size=7, unique=True), clock_times, clock_times)
layers = st.builds(
    lambda members, offset, hours, limits: Layer(members=members, start=BASE + timedelta(minutes=30 * offset),
                                                 length=f"{hours}h", restrictions=limits),
    st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=4), st.integers(-48, 96),
    st.sampled_from([1, 2, 5, 8, 12, 24, 48, 168]), st.lists(restrictions, max_size=2))
instants = st.integers(0, 40 * 24 * 4).map(lambda q: datetime(2024, 3, 20, tzinfo=UTC) + timedelta(minutes=15 * q))
overrides = st.builds(
    lambda start, hours, member, replaces: Override(member=member, start=start, end=start + timedelta(hours=hours),
                                                    replaces=replaces),
    instants, st.integers(1, 60), st.sampled_from(["zed", "yo"]), st.sampled_from([None, *PEOPLE]))
schedules = st.builds(lambda zone, ls, os: Schedule(id="p", timezone=zone, layers=ls, overrides=os),
                      st.sampled_from(ZONES), st.lists(layers, min_size=1, max_size=3), st.lists(overrides, max_size=4))


def _wall(local: datetime, zone: ZoneInfo) -> datetime:
    return local.replace(tzinfo=zone).astimezone(UTC)


def plain_member(layer: Layer, zone_name: str, moment: datetime) -> str | None:
    """The layer's member read off the rules one hand-off at a time (slow, obvious)."""
    zone = ZoneInfo(zone_name)
    assert layer.start is not None
    step = timedelta(minutes=layer.length_minutes)
    if moment < _wall(layer.start, zone):
        return None
    turn = 0
    while _wall(layer.start + (turn + 1) * step, zone) <= moment:
        turn += 1
    if layer.restrictions:
        today = moment.astimezone(zone).date()
        inside = False
        for day in (today - timedelta(days=1), today):
            for r in layer.restrictions:
                if day.weekday() not in r.days:
                    continue
                opens = datetime.combine(day, time()) + timedelta(minutes=r.start_minutes)
                end_day = day if r.end_minutes > r.start_minutes else day + timedelta(days=1)
                closes = datetime.combine(end_day, time()) + timedelta(minutes=r.end_minutes)
                inside |= _wall(opens, zone) <= moment < _wall(closes, zone)
        if not inside:
            return None
    return layer.members[turn % len(layer.members)]


def plain_answer(schedule: Schedule, moment: datetime) -> str | None:
    member = None
    for layer in reversed(schedule.layers):
        member = plain_member(layer, schedule.timezone, moment)
        if member is not None:
            break
    active = [(o.start, n, o) for n, o in enumerate(schedule.overrides) if o.start <= moment < o.end]
    for _, _, override in sorted(active, key=lambda item: (item[0], item[1]), reverse=True):
        if override.replaces is None or override.replaces == member:
            return override.member
    return member


@settings(max_examples=150, deadline=None)
@given(schedules, st.lists(instants, min_size=1, max_size=12))
def test_at_every_instant_exactly_the_member_the_layers_and_overrides_say(schedule: Schedule,
                                                                         moments: list[datetime]) -> None:
    clock = ScheduleClock(schedule)
    for moment in moments:
        assert clock.who(moment) == plain_answer(schedule, moment), moment
        answer = clock.answer(moment)
        assert answer.member == clock.who(moment)
        if answer.since is not None:
            assert answer.since <= moment and clock.who(answer.since) == answer.member
            assert clock.who(answer.since - timedelta(microseconds=1)) != answer.member
        if answer.until is not None:
            assert answer.until > moment and clock.who(answer.until) != answer.member
            assert clock.who(answer.until - timedelta(microseconds=1)) == answer.member


@settings(max_examples=60, deadline=None)
@given(schedules, st.integers(1, 24 * 60), st.integers(0, 59))
def test_walking_through_time_in_steps_of_any_size_gives_the_same_answers(schedule: Schedule, step_minutes: int,
                                                                          offset: int) -> None:
    clock = ScheduleClock(schedule)
    start = datetime(2024, 3, 24, tzinfo=UTC) + timedelta(minutes=offset)
    end = start + timedelta(days=10)
    stretches = clock.stretches(start, end)
    assert stretches[0].start == start and stretches[-1].end == end
    assert all(a.end == b.start for a, b in zip(stretches, stretches[1:], strict=False))
    starts = [s.start for s in stretches]
    moment = start
    while moment < end:
        found = stretches[bisect_right(starts, moment) - 1]
        assert clock.who(moment) == found.member, moment
        moment += timedelta(minutes=step_minutes)
    handoffs = clock.handoffs(start, 5, horizon=timedelta(days=10))
    changes = [s for a, s in zip(stretches, stretches[1:], strict=False) if a.member != s.member]
    assert [(h.member, h.start) for h in handoffs] == [(s.member, s.start) for s in changes[:5]]


quarter = st.integers(0, 95).map(lambda n: f"{n // 4:02d}:{15 * (n % 4):02d}")
hours_rules = st.builds(lambda days, start, end: OpenHours(days=days, start=start, end=end),
                        st.lists(st.integers(0, 6), min_size=1, max_size=7, unique=True), quarter, quarter)


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(ZONES), st.lists(hours_rules, min_size=1, max_size=3),
       st.lists(st.integers(0, 20), max_size=4), st.integers(0, 14 * 96), st.integers(0, 5 * 96))
def test_business_minutes_are_the_open_quarter_hours_less_holidays(zone_name: str, rules: list[OpenHours],
                                                                   holidays: list[int], begin: int,
                                                                   length: int) -> None:
    zone = ZoneInfo(zone_name)
    days_off = {date(2024, 3, 22) + timedelta(days=n) for n in holidays}
    calendar = WorkingCalendar(zone_name, rules, days_off)
    start = datetime(2024, 3, 22, tzinfo=UTC) + timedelta(minutes=15 * begin)
    end = start + timedelta(minutes=15 * length)

    def plainly_open(moment: datetime) -> bool:
        here = moment.astimezone(zone)
        if here.date() in days_off:
            return False
        for day in (here.date() - timedelta(days=1), here.date()):
            for rule in rules:
                first, last = rule.window()
                if day.weekday() not in rule.days:
                    continue
                opens = datetime.combine(day, time()) + timedelta(minutes=first)
                closes = datetime.combine(day if last > first else day + timedelta(days=1), time()) + \
                    timedelta(minutes=last)
                if _wall(opens, zone) <= moment < _wall(closes, zone):
                    return True
        return False

    counted = sum(15 for q in range(length) if plainly_open(start + timedelta(minutes=15 * q)))
    assert calendar.working_minutes_between(start, end) == counted
    assert sum((e - s).total_seconds() / 60 for s, e in calendar.spans(start, end)) == counted
    if counted:
        due = calendar.add_working_minutes(start, counted)
        assert due <= end and calendar.working_minutes_between(start, due) == counted
    middle = start + (end - start) / 2
    assert calendar.working_minutes_between(start, middle) + calendar.working_minutes_between(middle, end) == counted
