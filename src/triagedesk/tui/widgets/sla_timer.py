"""One live SLA countdown (or a session's elapsed time), read from the domain's clock function at each tick:
plain data, drawn by the Timers pane as one line (a widget per clock made every tick and every layout walk 80
widgets)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from triagedesk.display import clip, one_line
from triagedesk.domain.durations import clock

MIN_REST = 8
"""Fewer cells than this after the id: what the clock is is left out rather than cut to a stub."""
Reading = Callable[[datetime], tuple[float, str]]
"""At an instant: (seconds left, or elapsed for a session; the state: ok, at_risk, breached, paused, session)."""


def format_seconds(seconds: float) -> str:
    """The desk's one timer format (domain.durations.clock)."""
    return clock(seconds)


@dataclass
class TimerSpec:
    """What the Timers pane shows for one clock: a key, the issue's id, a label, and how to read it at any
    instant."""

    key: str
    issue_id: str
    label: str
    read: Reading
    counts_up: bool = False


class SlaTimer:
    """`tick(now)` reads the clock again (the same function the queue and `timers --json` read); `state` and
    `line` are what is drawn."""

    def __init__(self, spec: TimerSpec, now: datetime) -> None:
        self.issue_id = one_line(spec.issue_id)
        self.label = one_line(spec.label, 60)
        self.read = spec.read
        self.counts_up = spec.counts_up
        self.left, self._state = self.read(now)

    def tick(self, now: datetime) -> bool:
        """Read again; true when this tick crossed the due time."""
        before = self._state
        self.left, self._state = self.read(now)
        return not self.counts_up and self._state == "breached" and before != "breached"

    @property
    def paused(self) -> bool:
        return self._state == "paused"

    @property
    def state(self) -> str:
        """ok, at-risk, breached, paused or session: the line's colour."""
        return self._state.replace("_", "-")

    @property
    def what(self) -> str:
        """The issue and what the clock is: a notice's words."""
        return f"{self.issue_id} · {self.label}"

    def time(self) -> str:
        return format_seconds(self.left)

    def line(self, time_width: int = 12, width: int | None = None) -> str:
        """Time left (right-aligned in `time_width`), the issue's id whole, then what it is, which alone gives way
        (cut with an ellipsis to `width`): at 80 columns the id is never cut."""
        head = f"{self.time():>{time_width}} {self.issue_id}"
        rest = f"{'paused · ' if self.paused else ''}{self.label}"
        if width is not None:
            room = width - len(head) - 1
            rest = clip(rest, room) if room >= MIN_REST else ""  # "pau…" says nothing: the colour says paused
        return f"{head} {rest}".rstrip()
