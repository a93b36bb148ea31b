"""Live SLA countdowns and running sessions, ticking every second; a breach raises a notification."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from triagedesk.tui.widgets.sla_timer import SlaTimer

TimerSpec = tuple[str, str, float, float, bool, bool]
"""(key, label, seconds left or elapsed, budget seconds, paused, counts up)."""


class TimersPane(VerticalScroll, can_focus=True):
    """Holds one `SlaTimer` per clock; one interval ticks them all from `monotonic`."""

    DEFAULT_CSS = """
    TimersPane SlaTimer { height: 1; }
    TimersPane SlaTimer.-breached { color: $error; text-style: bold; }
    TimersPane SlaTimer.-at-risk { color: $warning; }
    TimersPane SlaTimer.-ok { color: $success; }
    TimersPane SlaTimer.-paused { color: $text-muted; }
    TimersPane SlaTimer.-session { color: $accent; }
    """

    class Breached(Message):
        """A clock just passed its due time."""

        def __init__(self, label: str) -> None:
            super().__init__()
            self.label = label

    def __init__(self, monotonic: Callable[[], float] = time.monotonic, live: bool = True,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.monotonic = monotonic
        self.live = live

    def on_mount(self) -> None:
        if self.live:
            self.set_interval(1.0, self.tick)

    def tick(self) -> None:
        now = self.monotonic()
        for timer in self.query(SlaTimer):
            if timer.tick(now):
                self.post_message(self.Breached(timer.label))

    def show(self, specs: list[TimerSpec], summary: str) -> None:
        self.border_subtitle = summary
        started = self.monotonic()
        self.remove_children()
        if not specs:
            self.mount(Static("No running clocks.", classes="empty"))
            return
        self.mount_all(
            SlaTimer(label, left, budget, started, paused, counts_up)
            for _key, label, left, budget, paused, counts_up in specs
        )
