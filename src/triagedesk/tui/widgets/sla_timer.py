"""One live SLA countdown, ticking from a monotonic clock (as in Textual's stopwatch tutorial)."""

from __future__ import annotations

from textual.reactive import reactive
from textual.widgets import Static

from triagedesk.display import one_line
from triagedesk.domain.durations import clock
from triagedesk.domain.requests.sla import state_of


def format_seconds(seconds: float) -> str:
    """The desk's one timer format (domain.durations.clock)."""
    return clock(seconds)


class SlaTimer(Static):
    """`left` seconds at `started` (monotonic); `tick(now)` recomputes, `watch_left` formats and colours."""

    left = reactive(0.0)

    def __init__(self, label: str, left_seconds: float, budget_seconds: float, started: float,
                 paused: bool = False, counts_up: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.label = one_line(label, 60)
        self.base = left_seconds
        self.budget = max(budget_seconds, 1.0)
        self.started = started
        self.paused = paused
        self.counts_up = counts_up
        self.set_reactive(SlaTimer.left, left_seconds)

    def on_mount(self) -> None:
        self.watch_left(self.left)

    def tick(self, now: float) -> bool:
        """Recompute from the monotonic clock; true when this tick crossed the due time."""
        if self.paused:
            return False
        before = self.left
        elapsed = now - self.started
        self.left = self.base + elapsed if self.counts_up else self.base - elapsed
        return not self.counts_up and before > 0 >= self.left

    def watch_left(self, left: float) -> None:
        state = "session" if self.counts_up else state_of(left / 60, self.budget / 60, self.paused).replace("_", "-")
        for name in ("ok", "at-risk", "breached", "paused", "session"):
            self.set_class(name == state, f"-{name}")
        mark = " paused" if self.paused else ""
        self.update(f"{format_seconds(left):>12}{mark}  {self.label}")
