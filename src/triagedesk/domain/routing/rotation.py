"""One layer in time: whose turn it is at an instant, and the stretch around it in which that cannot change."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from triagedesk.domain.routing.schedules import Layer
from triagedesk.domain.routing.wallclock import DAY, Span, instant, local, window_on, zone

FAR_PAST = datetime(1900, 1, 1, tzinfo=UTC)
FAR_FUTURE = datetime(9000, 1, 1, tzinfo=UTC)
SEARCH_DAYS = 8
"""How far a restricted layer looks for its previous or next window (a weekly window recurs within 7 days)."""


@dataclass(frozen=True)
class Piece:
    """Around an instant: who is on (None: nobody), from `start` to `end`, with no change in between (a piece
    may end where the same person goes on: callers join those)."""

    member: str | None
    start: datetime
    end: datetime


class LayerClock:
    """A compiled layer: hand-off instants and restriction windows computed once each and remembered."""

    def __init__(self, layer: Layer, schedule_zone: str) -> None:
        self.name = layer.name
        self.zone = zone(layer.timezone or schedule_zone)
        self.members = list(layer.members)
        self.anchor = layer.start
        self.step = timedelta(minutes=layer.length_minutes)
        self.rules = [(frozenset(r.days), r.start_minutes, r.end_minutes) for r in layer.restrictions]
        self._handoffs: dict[int, datetime] = {}
        self._windows: dict[date, list[Span]] = {}
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

    def turn(self, moment: datetime) -> int:
        """The turn running at `moment` (-1 before the first)."""
        assert self.anchor is not None
        guess = (local(moment, self.zone) - self.anchor) // self.step
        while guess >= 0 and self.handoff(guess) > moment:
            guess -= 1
        while self.handoff(guess + 1) <= moment:
            guess += 1
        return max(guess, -1)

    def _rotation(self, moment: datetime) -> Piece:
        first = self.handoff(0)
        if moment < first:
            return Piece(None, FAR_PAST, first)
        if len(self.members) == 1:
            return Piece(self.members[0], first, FAR_FUTURE)
        turn = self.turn(moment)
        return Piece(self.members[turn % len(self.members)], self.handoff(turn), self.handoff(turn + 1))

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

    def _window(self, moment: datetime) -> tuple[bool, datetime, datetime]:
        """Whether `moment` is inside a window, and the stretch around it with the same answer."""
        today = local(moment, self.zone).date()
        inside = [(s, e) for d in (today - DAY, today) for s, e in self.windows(d) if s <= moment < e]
        if inside:
            return True, max(s for s, _ in inside), min(e for _, e in inside)
        after = [s for n in range(-1, SEARCH_DAYS) for s, _ in self.windows(today + n * DAY) if s > moment]
        before = [e for n in range(-SEARCH_DAYS, 1) for _, e in self.windows(today + n * DAY) if e <= moment]
        return (False, max(before, default=moment - SEARCH_DAYS * DAY),
                min(after, default=moment + SEARCH_DAYS * DAY))

    # -- the layer ------------------------------------------------------------------------------------
    def piece(self, moment: datetime) -> Piece:
        """Who this layer puts on call at `moment`, and the stretch around it with no change."""
        turn = self._shift(moment) if self.shifts else self._rotation(moment)
        if not self.rules:
            return turn
        inside, start, end = self._window(moment)
        return Piece(turn.member if inside else None, max(turn.start, start), min(turn.end, end))

