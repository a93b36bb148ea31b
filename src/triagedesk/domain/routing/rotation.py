"""One layer in time: whose turn it is at an instant, and the stretch around it in which that cannot change."""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from triagedesk.domain.routing.schedules import Layer
from triagedesk.domain.routing.wallclock import DAY, Span, instant, local, window_on, zone

FAR_PAST = datetime(1900, 1, 1, tzinfo=UTC)
FAR_FUTURE = datetime(9000, 1, 1, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
WEEK = 7 * 1440
SEARCH_DAYS = 8
"""How far a restricted layer looks for its previous or next window (a weekly window recurs within 7 days)."""


class Piece(NamedTuple):
    """Around an instant: who is on (None: nobody), from `start` to `end`, with no change in between (a piece
    may end where the same person goes on: callers join those). A tuple: thousands are made per answer."""

    member: str | None
    start: datetime
    end: datetime


def week_windows(rules: list[tuple[frozenset[int], int, int]]) -> list[tuple[int, int]]:
    """The restriction windows as minutes after a Monday's midnight, joined where they overlap or touch, for the
    week before, this one and the next (so a moment's neighbours are always in the list)."""
    spans = []
    for days, start, end in rules:
        for day in days:
            opens = day * 1440 + start
            closes = day * 1440 + (end if end > start else end + 1440)
            spans += [(opens + shift, closes + shift) for shift in (-WEEK, 0, WEEK)]
    out: list[tuple[int, int]] = []
    for opens, closes in sorted(spans):
        if out and opens <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], closes))
        else:
            out.append((opens, closes))
    return out


class LayerClock:
    """A compiled layer: hand-off instants and restriction windows computed once each and remembered."""

    def __init__(self, layer: Layer, schedule_zone: str) -> None:
        self.name = layer.name
        self.zone = zone(layer.timezone or schedule_zone)
        self.members = list(layer.members)
        self.anchor = layer.start
        self.step = timedelta(minutes=layer.length_minutes)
        self.rules = [(frozenset(r.days), r.start_minutes, r.end_minutes) for r in layer.restrictions]
        self.week = week_windows(self.rules)
        self.week_starts = [s for s, _ in self.week]
        self._handoffs: dict[int, datetime] = {}
        self._windows: dict[date, list[Span]] = {}
        self._last: tuple[datetime, datetime, bool] = (FAR_FUTURE, FAR_PAST, False)
        self._turn_last: tuple[datetime, datetime, int] = (FAR_FUTURE, FAR_PAST, 0)
        """The last window answer (start, end, inside): an answer's next questions fall in it more often than not."""
        ordered = sorted(enumerate(layer.shifts), key=lambda pair: (pair[1].start, pair[0]))
        self.shifts = [(s.start, s.end, s.member) for _, s in ordered]
        self.shift_starts = [s[0] for s in self.shifts]
        self.shift_ends = sorted(s[1] for s in self.shifts)
        self.reach: list[datetime] = []  # the latest end among shifts[0..i]: how far back a shift may cover t
        for _, end, _ in self.shifts:
            self.reach.append(max(end, self.reach[-1]) if self.reach else end)

    # -- a rotation ---------------------------------------------------------------------------------
    def handoff(self, turn: int) -> datetime:
        """The instant turn `turn` begins (turn 0: the layer's start), on the wall clock of the layer's zone."""
        found = self._handoffs.get(turn)
        if found is None:
            assert self.anchor is not None
            found = self._handoffs[turn] = instant(self.anchor + turn * self.step, self.zone)
        return found

    def turn(self, moment: datetime, wall: datetime | None = None) -> int:
        """The turn running at `moment` (-1 before the first); `wall`: `moment` on the layer's wall clock."""
        assert self.anchor is not None
        guess = ((wall or local(moment, self.zone)) - self.anchor) // self.step
        while guess >= 0 and self.handoff(guess) > moment:
            guess -= 1
        while self.handoff(guess + 1) <= moment:
            guess += 1
        return max(guess, -1)

    def _rotation(self, moment: datetime, wall: datetime) -> Piece:
        last = self._turn_last
        if last[0] <= moment < last[1]:  # the turn asked about last (an answer asks around one instant)
            return Piece(self.members[last[2] % len(self.members)], last[0], last[1])
        first = self.handoff(0)
        if moment < first:
            return Piece(None, FAR_PAST, first)
        if len(self.members) == 1:
            return Piece(self.members[0], first, FAR_FUTURE)
        turn = self.turn(moment, wall)
        start, end = self.handoff(turn), self.handoff(turn + 1)
        self._turn_last = (start, end, turn)
        return Piece(self.members[turn % len(self.members)], start, end)

    # -- imported shifts ----------------------------------------------------------------------------
    def _shift(self, moment: datetime) -> Piece:
        """The latest-starting shift covering `moment` (a later one in the file on a tie)."""
        upto = bisect_right(self.shift_starts, moment)
        member = None
        end = self.shift_starts[upto] if upto < len(self.shifts) else FAR_FUTURE
        for index in range(upto - 1, -1, -1):
            if self.reach[index] <= moment:
                break
            start, stop, who = self.shifts[index]
            if stop > moment:
                end = min(end, stop)
                if member is None:
                    member = who
        started = self.shift_starts[upto - 1] if upto else FAR_PAST
        ended_at = bisect_right(self.shift_ends, moment)
        ended = self.shift_ends[ended_at - 1] if ended_at else FAR_PAST
        return Piece(member, max(started, ended), end)

    # -- restriction windows ------------------------------------------------------------------------
    def windows(self, day: date) -> list[Span]:
        """The restriction windows opening on local `day`."""
        found = self._windows.get(day)
        if found is None:
            weekday = day.weekday()
            found = self._windows[day] = sorted(window_on(day, start, end, self.zone)
                                                for days, start, end in self.rules if weekday in days)
        return found

    def _window(self, moment: datetime, wall: datetime) -> tuple[bool, datetime, datetime]:
        """Whether `moment` is inside a window, and the stretch around it with the same answer."""
        start, end, inside_last = self._last
        if start <= moment < end:
            return inside_last, start, end
        quick = self._week_window(moment, wall)
        if quick is not None:
            self._last = (quick[1], quick[2], quick[0])
            return quick
        today = wall.date()
        inside = [(s, e) for d in (today - DAY, today) for s, e in self.windows(d) if s <= moment < e]
        if inside:
            found = (True, max(s for s, _ in inside), min(e for _, e in inside))
        else:
            found = (False, self._closed_since(moment, today), self._opens_after(moment, today))
        self._last = (found[1], found[2], found[0])
        return found

    def _week_window(self, moment: datetime, wall: datetime) -> tuple[bool, datetime, datetime] | None:
        """The window answer read off the week's windows in wall-clock minutes, two conversions in all; None when
        a clock change makes the wall clock disagree with the instants (then the day-by-day reading decides)."""
        monday = datetime.combine(wall.date() - timedelta(days=wall.weekday()), time())
        minute = (wall - monday) / MINUTE
        index = bisect_right(self.week_starts, minute) - 1
        if index < 0 or index + 1 >= len(self.week):
            return None
        inside = minute < self.week[index][1]
        first, last = self.week[index] if inside else (self.week[index][1], self.week[index + 1][0])
        start = instant(monday + timedelta(minutes=first), self.zone)
        end = instant(monday + timedelta(minutes=last), self.zone)
        return (inside, start, end) if start <= moment < end else None

    def _opens_after(self, moment: datetime, today: date) -> datetime:
        """The next window opening after `moment` (windows opening on a later day open later)."""
        for n in range(SEARCH_DAYS):
            found = [s for s, _ in self.windows(today + n * DAY) if s > moment]
            if found:
                return min(found)
        return moment + SEARCH_DAYS * DAY

    def _closed_since(self, moment: datetime, today: date) -> datetime:
        """The last window closing at or before `moment`: a window opening on day d closes after d's midnight and
        by d+2's, so once a day has one, the day before is the only other place to look."""
        best: datetime | None = None
        first: int | None = None
        for n in range(SEARCH_DAYS + 2):
            found = [e for _, e in self.windows(today - n * DAY) if e <= moment]
            if found:
                best = max(found) if best is None else max(best, *found)
                first = n if first is None else first
            if best is not None and first is not None and n > first:  # that day and the one before: nothing older
                return best
        return best if best is not None else moment - SEARCH_DAYS * DAY

    # -- the layer ------------------------------------------------------------------------------------
    def piece(self, moment: datetime, wall: datetime | None = None) -> Piece:
        """Who this layer puts on call at `moment`, and the stretch around it with no change (`wall`: `moment` on
        the layer's wall clock, when the caller has it)."""
        if self.shifts:
            turn = self._shift(moment)
            if not self.rules:
                return turn
        wall = wall or local(moment, self.zone)
        if not self.shifts:
            turn = self._rotation(moment, wall)
            if not self.rules:
                return turn
        inside, start, end = self._window(moment, wall)
        if not inside:  # closed: nobody whoever's turn it is, until the next window opens
            return Piece(None, start, end)
        return Piece(turn.member, max(turn.start, start), min(turn.end, end))

