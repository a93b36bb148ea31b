"""Live SLA countdowns and running sessions, ticking every second; a breach raises a notification."""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.text import Text
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from triagedesk.display import literal, one_line
from triagedesk.tui.widgets.sla_timer import SlaTimer

TimerSpec = tuple[str, str, float, float, bool, bool]
"""(key, label, seconds left or elapsed, budget seconds, paused, counts up)."""
STATES = ("ok", "at-risk", "breached", "paused", "session")


class TimersPane(VerticalScroll, can_focus=True):
    """Draws one line per clock in a single Static; one interval ticks them all from `monotonic`. A tick only
    repaints that Static (its height is the number of clocks, unchanged by a tick): no layout, no widgets."""

    COMPONENT_CLASSES = {f"timers--{state}" for state in STATES}
    DEFAULT_CSS = """
    TimersPane > #clocks { width: 1fr; text-wrap: nowrap; text-overflow: clip; }
    TimersPane > .timers--breached { color: $error; text-style: bold; }
    TimersPane > .timers--at-risk { color: $warning; }
    TimersPane > .timers--ok { color: $success; }
    TimersPane > .timers--paused { color: $text-muted; }
    TimersPane > .timers--session { color: $accent; }
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
        self.clocks: list[SlaTimer] = []

    def compose(self):
        yield Static("", id="clocks")

    def on_mount(self) -> None:
        if self.live:
            self.set_interval(1.0, self.tick)

    def tick(self) -> None:
        now = self.monotonic()
        for timer in self.clocks:
            if timer.tick(now):
                self.post_message(self.Breached(timer.label))
        if self.clocks:
            self._draw(layout=False)

    def show(self, specs: list[TimerSpec], summary: str) -> None:
        self.border_subtitle = literal(one_line(summary))
        started = self.monotonic()
        self.clocks = [SlaTimer(label, left, budget, started, paused, counts_up)
                       for _key, label, left, budget, paused, counts_up in specs]
        self._draw(layout=True)

    def redraw(self) -> None:
        """Draw again with the current theme's colours (after a theme switch)."""
        self._draw(layout=False)

    def text(self) -> Text:
        """Every clock's line, coloured by its state (what the pane shows)."""
        if not self.clocks:
            return Text("No running clocks.", style=self.get_component_rich_style("timers--paused"))
        styles = {state: self.get_component_rich_style(f"timers--{state}") for state in STATES}
        lines = Text(no_wrap=True, overflow="crop")
        for n, timer in enumerate(self.clocks):
            if n:
                lines.append("\n")
            lines.append(timer.line(), style=styles[timer.state])
        return lines

    def _draw(self, layout: bool) -> None:
        self.query_one("#clocks", Static).update(self.text(), layout=layout)
