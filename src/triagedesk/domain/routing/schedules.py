"""On-call schedules as data: layers of rotations (or imported shifts), restrictions, overrides, what they cover."""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Any

from pydantic import Field, field_validator, model_validator

from triagedesk.domain.models import DomainModel, as_utc
from triagedesk.domain.records import Record, new_id
from triagedesk.domain.routing.wallclock import known_zone, minutes_of, weekday_numbers

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
LENGTH = re.compile(r"^(\d+)([mhdw])$")
UNIT_MINUTES = {"m": 1, "h": 60, "d": 1440, "w": 10080}
MIN_LENGTH_MINUTES = 60
"""A shift is at least an hour: shorter ones could be reordered by a DST gap (an hour skipped)."""


@lru_cache(maxsize=1024)
def length_minutes(text: str) -> int:
    """A shift length (`12h`, `1d`, `1w`, `90m`) in minutes; ValueError for anything else."""
    found = LENGTH.match(text.strip())
    if not found:
        raise ValueError(f"{text!r} is not a length like 12h, 1d or 1w")
    minutes = int(found.group(1)) * UNIT_MINUTES[found.group(2)]
    if minutes < MIN_LENGTH_MINUTES:
        raise ValueError(f"{text!r} is shorter than an hour")
    return minutes


def schedule_name(value: str) -> str:
    if not NAME.match(value):
        raise ValueError(f"{value!r} is not a schedule or calendar name (letters, digits, . _ -; up to 64)")
    return value


class Restriction(DomainModel):
    """A weekly window the layer is limited to: opening on `days` at `start`, closing at `end` (the next day when
    `end` is not after `start`: 22:00-06:00 crosses midnight; 00:00-24:00 is the whole day)."""

    days: list[int] = Field(default_factory=lambda: list(range(7)))
    start: str = "09:00"
    end: str = "17:00"

    @field_validator("days", mode="before")
    @classmethod
    def _days(cls, value: Any) -> list[int]:
        days = weekday_numbers(value if isinstance(value, list) else [value])
        if not days:
            raise ValueError("a restriction needs at least one weekday")
        return days

    @field_validator("start")
    @classmethod
    def _start(cls, value: str) -> str:
        if minutes_of(value) >= 1440:
            raise ValueError("a window opens before 24:00")
        return value

    @field_validator("end")
    @classmethod
    def _end(cls, value: str) -> str:
        minutes_of(value)
        return value

    @property
    def start_minutes(self) -> int:
        return minutes_of(self.start)

    @property
    def end_minutes(self) -> int:
        end = minutes_of(self.end)
        return 0 if end == 1440 and self.start_minutes == 0 else end


class Shift(DomainModel):
    """One imported shift: who is on call from `start` to `end` (UTC)."""

    member: str = Field(min_length=1)
    start: datetime
    end: datetime
    summary: str = ""

    _utc = field_validator("start", "end")(as_utc)

    @model_validator(mode="after")
    def _ordered(self) -> Shift:
        if self.end <= self.start:
            raise ValueError("a shift ends after it starts")
        return self


class Layer(DomainModel):
    """A rotation: `members` take turns, each for `length`, the first from `start` (a wall-clock time in the layer's
    zone, the schedule's unless given), limited to `restrictions` when there are any. An imported layer holds its
    `shifts` instead. Nobody is on a rotation before its start."""

    name: str = ""
    members: list[str] = Field(default_factory=list)
    start: datetime | None = None
    length: str = "1w"
    timezone: str | None = None
    restrictions: list[Restriction] = Field(default_factory=list)
    shifts: list[Shift] = Field(default_factory=list)

    @field_validator("length")
    @classmethod
    def _length(cls, value: str) -> str:
        length_minutes(value)
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return None if value is None else known_zone(value)

    @field_validator("start")
    @classmethod
    def _local(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            raise ValueError("a hand-off is a wall-clock time in the schedule's zone, without an offset")
        return value

    @field_validator("members")
    @classmethod
    def _members(cls, value: list[str]) -> list[str]:
        if any(not member.strip() for member in value):
            raise ValueError("a member is an expert id, not empty")
        return value

    @model_validator(mode="after")
    def _rotates_or_holds_shifts(self) -> Layer:
        if self.shifts and self.members:
            raise ValueError("a layer rotates members or holds imported shifts, not both")
        if not self.shifts and not self.members:
            raise ValueError("a layer needs members (a rotation) or shifts (imported)")
        if self.members and self.start is None:
            raise ValueError("a rotation needs its first hand-off (start)")
        return self

    @property
    def length_minutes(self) -> int:
        return length_minutes(self.length)

    def people(self) -> list[str]:
        """Everyone the layer can put on call, in order."""
        return list(dict.fromkeys(self.members or [s.member for s in self.shifts]))


class Override(DomainModel):
    """`member` is on call from `start` to `end` (UTC) in place of whoever the layers say, or, with `replaces`,
    only where the layers say `replaces` (the dentist's hour)."""

    id: str = Field(default_factory=lambda: new_id("ovr"))
    start: datetime
    end: datetime
    member: str = Field(min_length=1)
    replaces: str | None = None
    note: str = ""

    _utc = field_validator("start", "end")(as_utc)

    @model_validator(mode="after")
    def _ordered(self) -> Override:
        if self.end <= self.start:
            raise ValueError("an override ends after it starts")
        return self


class Schedule(Record):
    """A named schedule: its zone, its layers (a later layer wins where it has someone), its overrides, and the
    issues it covers (`infrastructure`, `appraisal/silver`, `*`: a profile, a profile's category, everything)."""

    id: str
    name: str = ""
    timezone: str = "UTC"
    layers: list[Layer] = Field(min_length=1)
    overrides: list[Override] = Field(default_factory=list)
    covers: list[str] = Field(default_factory=list)
    description: str = ""

    _name = field_validator("id")(schedule_name)
    _zone = field_validator("timezone")(known_zone)

    def members(self) -> list[str]:
        """Everyone the schedule can put on call (layers and overrides), in order of appearance."""
        people = [m for layer in self.layers for m in layer.people()] + [o.member for o in self.overrides]
        return list(dict.fromkeys(people))

    def covers_issue(self, profile: str | None, category: str | None) -> bool:
        """Whether the schedule answers for an issue of `profile` and `category`."""
        wanted = {c.lower() for c in self.covers}
        if "*" in wanted:
            return True
        profile = (profile or "").lower()
        return profile in wanted or (bool(category) and f"{profile}/{(category or '').lower()}" in wanted)

    def with_override(self, override: Override) -> Schedule:
        return self.model_copy(update={"overrides": [*self.overrides, override]})


WINDOW = re.compile(r"^\s*(?:(?P<days>[A-Za-z0-9,\-]+)\s+)?(?P<start>\d\d:\d\d)\s*-\s*(?P<end>\d\d:\d\d)\s*$")


def parse_window(text: str) -> tuple[list[int], str, str]:
    """`mon-fri 09:00-17:00`, `sat,sun 00:00-24:00`, `22:00-06:00` (every day) as (weekdays, start, end)."""
    found = WINDOW.match(text)
    if not found:
        raise ValueError(f"{text!r} is not a window like 'mon-fri 09:00-17:00' or '22:00-06:00'")
    days: list[int] = list(range(7))
    if found.group("days"):
        days = []
        for part in found.group("days").split(","):
            first, _, last = part.partition("-")
            a = weekday_numbers([first])[0]
            b = weekday_numbers([last])[0] if last else a
            days += [(a + n) % 7 for n in range((b - a) % 7 + 1)]
    minutes_of(found.group("start"))
    minutes_of(found.group("end"))
    return sorted(set(days)), found.group("start"), found.group("end")
