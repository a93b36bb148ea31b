"""One live SLA countdown (or a session's elapsed time), read from the domain's clock function at each tick:
plain data, drawn by the Timers pane as one line (a widget per clock made every tick and every layout walk 80
widgets)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from triagedesk.display import one_line
from triagedesk.domain.durations import clock

Reading = Callable[[datetime], tuple[float, str]]
"""At an instant: (seconds left, or elapsed for a session; the state: ok, at_risk, breached, paused, session)."""


def format_seconds(seconds: float) -> str:
    """The desk's one timer format (domain.durations.clock)."""
    return clock(seconds)


@dataclass
class TimerSpec:
    """What the Timers pane shows for one clock: a key, a label, and how to read it at any instant."""

    key: str
    label: str
    read: Reading
    counts_up: bool = False


class SlaTimer:
    """`tick(now)` reads the clock again (the same function the queue and `timers --json` read); `state` and
    `line` are what is drawn."""

    def __init__(self, spec: TimerSpec, now: datetime) -> None:
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

    def line(self) -> str:
        mark = " paused" if self.paused else ""
        return f"{format_seconds(self.left):>12}{mark}  {self.label}"
