"""One live SLA countdown (or a session's elapsed time), ticking from a monotonic clock: plain data, drawn by
the Timers pane as one line (a widget per clock made every tick and every layout walk 80 widgets)."""

from __future__ import annotations

from triagedesk.display import one_line
from triagedesk.domain.durations import clock
from triagedesk.domain.requests.sla import state_of


def format_seconds(seconds: float) -> str:
    """The desk's one timer format (domain.durations.clock)."""
    return clock(seconds)


class SlaTimer:
    """`left` seconds at `started` (monotonic); `tick(now)` recomputes, `state` and `line` are what is drawn."""

    def __init__(self, label: str, left_seconds: float, budget_seconds: float, started: float,
                 paused: bool = False, counts_up: bool = False) -> None:
        self.label = one_line(label, 60)
        self.base = left_seconds
        self.left = left_seconds
        self.budget = max(budget_seconds, 1.0)
        self.started = started
        self.paused = paused
        self.counts_up = counts_up

    def tick(self, now: float) -> bool:
        """Recompute from the monotonic clock; true when this tick crossed the due time."""
        if self.paused:
            return False
        before = self.left
        elapsed = now - self.started
        self.left = self.base + elapsed if self.counts_up else self.base - elapsed
        return not self.counts_up and before > 0 >= self.left

    @property
    def state(self) -> str:
        """ok, at-risk, breached, paused or session: the line's colour."""
        if self.counts_up:
            return "session"
        return state_of(self.left / 60, self.budget / 60, self.paused).replace("_", "-")

    def line(self) -> str:
        mark = " paused" if self.paused else ""
        return f"{format_seconds(self.left):>12}{mark}  {self.label}"
