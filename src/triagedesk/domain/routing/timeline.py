"""A schedule in time: who is on call at an instant, since and until when, the next hand-offs, a week's shifts."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from triagedesk.domain.instants import stamp
from triagedesk.domain.routing.rotation import FAR_FUTURE, FAR_PAST, LayerClock
from triagedesk.domain.routing.schedules import Override, Schedule
from triagedesk.domain.routing.wallclock import local

HORIZON = timedelta(days=366)
"""How far `answer` looks for a change: beyond it, `until` (or `since`) is None (no change within a year)."""
TICK = timedelta(microseconds=1)


class Stretch(NamedTuple):
    """Who is on call from `start` to `end`, and why: the layer's name (or its number) or `override`."""

    member: str | None
    start: datetime
    end: datetime
    source: str = ""

    def as_dict(self) -> dict[str, object]:
        return {"member": self.member, "start": stamp(self.start), "end": stamp(self.end), "source": self.source}


@dataclass(frozen=True)
class OnCall:
    """A schedule's answer at an instant: who, since when, until when, and who takes over then."""

    schedule: str
    member: str | None
    since: datetime | None
    until: datetime | None
    source: str
    next_member: str | None

    def as_dict(self) -> dict[str, object]:
        return {"schedule": self.schedule, "member": self.member,
                "since": stamp(self.since) if self.since else None, "until": stamp(self.until) if self.until else None,
                "source": self.source, "next_member": self.next_member}


class ScheduleClock:
    """A compiled schedule. Every answer comes from `stretch`: the layers from the last down to the first with
    someone on, then the overrides; the stretch around an instant is where none of those can change."""

    def __init__(self, schedule: Schedule) -> None:
        self.schedule = schedule
        self.id = schedule.id
        self.layers = [LayerClock(layer, schedule.timezone) for layer in schedule.layers]
        self.labels = [layer.name or f"layer {n + 1}" for n, layer in enumerate(schedule.layers)]
        given = schedule.overrides
        starts = [o.start for o in given]
        order = sorted(range(len(given)), key=starts.__getitem__)  # stable: the later override after on a tie
        self.overrides: list[Override] = [given[n] for n in order]
        self.starts = [starts[n] for n in order]
        ends = [o.end for o in self.overrides]
        self.ends = sorted(ends)
        self.reach: list[datetime] = []
        latest = FAR_PAST
        for end in ends:
            latest = end if end > latest else latest
            self.reach.append(latest)

    def stretch(self, moment: datetime) -> Stretch:
        """Who is on call at `moment` and the stretch around it in which nothing can change."""
        member, start, end, source = None, FAR_PAST, FAR_FUTURE, ""
        walls: dict[object, datetime] = {}
        for index in range(len(self.layers) - 1, -1, -1):
            layer = self.layers[index]
            wall = walls.get(layer.zone)
            if wall is None:
                wall = walls[layer.zone] = local(moment, layer.zone)
            piece = layer.piece(moment, wall)
            start, end = max(start, piece.start), min(end, piece.end)
            if piece.member is not None:
                member, source = piece.member, self.labels[index]
                break
        if not self.overrides:
            return Stretch(member, start, end, source)
        upto = bisect_right(self.starts, moment)
        if upto < len(self.starts):
            end = min(end, self.starts[upto])
        if upto:
            start = max(start, self.starts[upto - 1])
        ended = bisect_right(self.ends, moment)
        if ended:
            start = max(start, self.ends[ended - 1])
        chosen = None
        for index in range(upto - 1, -1, -1):  # latest start first: the most specific override wins
            if self.reach[index] <= moment:
                break
            override = self.overrides[index]
            if override.end > moment:
                end = min(end, override.end)
                if chosen is None and (override.replaces is None or override.replaces == member):
                    chosen = override
        if chosen is not None:
            return Stretch(chosen.member, start, end, "override")
        return Stretch(member, start, end, source)

    def who(self, moment: datetime) -> str | None:
        return self.stretch(moment).member

    def answer(self, moment: datetime, horizon: timedelta = HORIZON) -> OnCall:
        """Who is on call at `moment`, since and until when (None: no change within `horizon`), who is next."""
        here = self.stretch(moment)
        until, next_member = here.end, None
        while until < moment + horizon:
            ahead = self.stretch(until)
            if ahead.member != here.member:
                next_member = ahead.member
                break
            until = ahead.end
        since = here.start
        while since > moment - horizon:
            behind = self.stretch(since - TICK)
            if behind.member != here.member:
                break
            since = behind.start
        return OnCall(self.id, here.member, since if since > moment - horizon else None,
                      until if until < moment + horizon else None, here.source, next_member)

    def stretches(self, start: datetime, end: datetime) -> list[Stretch]:
        """Who is on call from `start` to `end`, as consecutive stretches (one per change of person)."""
        out: list[Stretch] = []
        at = start
        while at < end:
            piece = self.stretch(at)
            stop = min(piece.end, end)
            if out and out[-1].member == piece.member and out[-1].source == piece.source:
                out[-1] = Stretch(piece.member, out[-1].start, stop, piece.source)
            else:
                out.append(Stretch(piece.member, at, stop, piece.source))
            at = stop
        return out

    def handoffs(self, moment: datetime, count: int = 3, horizon: timedelta = HORIZON,
                 after: OnCall | None = None) -> list[Stretch]:
        """The next `count` people to go on call after the current one (nobody counts too), each with their
        stretch, within `horizon`; `after`: this schedule's `answer` at `moment`, to start from its `until`."""
        out: list[Stretch] = []
        if after is not None and after.until is None:
            return out
        current = self.stretch(moment) if after is None else Stretch(after.member, moment, after.until or moment)
        at = current.end
        limit = moment + horizon
        while len(out) < count and at < limit:
            piece = self.stretch(at)
            if piece.member != current.member:
                out.append(Stretch(piece.member, at, piece.end, piece.source))
                current = piece
            elif out:
                out[-1] = Stretch(out[-1].member, out[-1].start, piece.end, out[-1].source)
            at = piece.end
        return out
