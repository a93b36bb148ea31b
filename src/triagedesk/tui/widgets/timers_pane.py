"""Live SLA countdowns and running sessions, ticking every second; a breach raises a notification."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual import work
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static
from textual.worker import Worker

from triagedesk.display import literal, one_line
from triagedesk.tui.coalesced import Coalesced
from triagedesk.tui.failures import tell_failure
from triagedesk.tui.giving_way import KEYS
from triagedesk.tui.widgets.pane_titles import FittedTitles
from triagedesk.tui.widgets.sla_timer import SlaTimer, TimerSpec

__all__ = ["TimerSpec", "TimersPane"]
STATES = ("ok", "at-risk", "breached", "paused", "session")
TIMERS_WAIT_MOST = 10.0
"""Seconds a read of the clocks waits at most while keys keep coming (held keys: the shown clocks tick on)."""


class TimersPane(VerticalScroll, FittedTitles, can_focus=True):
    """Draws one line per clock in a single Static; one interval reads them all again at `clock()` (the desk's
    clock, through the domain's clock function: a business-hours clock stands still at night, as the queue's
    column does). A tick only repaints that Static: no layout, no widgets."""

    COMPONENT_CLASSES = {f"timers--{state}" for state in STATES}
    DEFAULT_CSS = """
    TimersPane { scrollbar-gutter: stable; }  /* the lines are cut to one width whether or not they overflow */
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
            """The issue's id and what the clock is."""

    def __init__(self, clock: Callable[[], datetime], live: bool = True, id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock = clock
        self.live = live
        self.clocks: list[SlaTimer] = []
        self._loads = Coalesced(before=lambda: KEYS.give_way(TIMERS_WAIT_MOST))  # a read waits while keys come

    def compose(self):
        yield Static("", id="clocks")

    def on_mount(self) -> None:
        if self.live:
            self.set_interval(1.0, self.tick)

    def tick(self) -> None:
        now = self.clock()
        for timer in self.clocks:
            if timer.tick(now):
                self.post_message(self.Breached(timer.what))
        if self.clocks:
            self._draw(layout=False)

    def load(self, read: Callable[[], tuple[list[TimerSpec], str]]) -> None:
        """Read the clocks off the UI thread (`read`: the desk's loader), then show them; asked again while a read
        runs (every change another desk makes), they are read once more after it, at most a quarter of the time."""
        if self._loads.ask(lambda: self._read(read)):
            self._run_loads()

    @work(thread=True, group="timers", exit_on_error=False)
    def _run_loads(self) -> None:
        self._loads.run()

    def _read(self, read: Callable[[], tuple[list[TimerSpec], str]]) -> None:
        specs, summary = read()
        self.app.call_from_thread(self.show, specs, summary)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        tell_failure(self, event)

    def show(self, specs: list[TimerSpec], summary: str) -> None:
        self.border_subtitle = literal(one_line(summary))
        self.fit_titles()
        now, lines = self.clock(), max(1, len(self.clocks))
        self.clocks = [SlaTimer(spec, now) for spec in specs]
        self._draw(layout=max(1, len(self.clocks)) != lines)  # the Static's height changes with its line count only

    def redraw(self) -> None:
        """Draw again with the current theme's colours (after a theme switch)."""
        self._draw(layout=False)

    def line_of(self, timer: SlaTimer, widest: int | None = None) -> str:
        """One clock's line as the pane draws it: times aligned on the widest shown (`widest`, when the caller has
        it: reading every clock's time again for each line made a redraw of 20 clocks format 400 times), cut to
        the pane's width."""
        if widest is None:
            widest = self._widest()
        width = self.scrollable_content_region.width
        return timer.line(widest, width if width > 0 else None)

    def _widest(self) -> int:
        return max((len(t.time()) for t in self.clocks), default=8)

    def text(self) -> Text:
        """Every clock's line, coloured by its state (what the pane shows)."""
        if not self.clocks:
            return Text("No running clocks.", style=self.get_component_rich_style("timers--paused"))
        styles = {state: self.get_component_rich_style(f"timers--{state}") for state in STATES}
        lines, widest = Text(no_wrap=True, overflow="crop"), self._widest()
        for n, timer in enumerate(self.clocks):
            if n:
                lines.append("\n")
            lines.append(self.line_of(timer, widest), style=styles[timer.state])
        return lines

    def on_resize(self) -> None:  # FittedTitles' handler fits the titles too
        if self.clocks:
            self._draw(layout=False)  # the lines are cut to the new width

    def _draw(self, layout: bool) -> None:
        self.query_one("#clocks", Static).update(self.text(), layout=layout)
