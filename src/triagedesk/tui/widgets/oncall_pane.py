"""Who is on call now in each schedule, until when and who is next; on an expert's desk, their next shifts."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import work
from textual.worker import Worker

from triagedesk.display import one_line
from triagedesk.tui.failures import tell_failure
from triagedesk.tui.widgets.line_pane import LinePane
from triagedesk.tui.widgets.pane_titles import FittedTitles


class OnCallPane(LinePane, FittedTitles):
    """One line a schedule (the expert's own shifts first), drawn from lines; hidden while there is no schedule."""

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines: list[str] = []

    def on_mount(self) -> None:
        self.display = False  # until a load finds a schedule

    @work(thread=True, exclusive=True, group="oncall", exit_on_error=False)
    def load(self, read: Callable[[], list[str]]) -> None:
        """Read who is on call off the UI thread (`read`: the desk's loader), then show it."""
        lines = read()
        self.app.call_from_thread(self.show, lines)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        tell_failure(self, event)

    def show(self, lines: list[str]) -> None:
        if len(lines) != len(self.lines) or not self.display:
            self.styles.height = min(len(lines), 5) + 2  # its lines and the border: laid out when their count changes
        self.lines = lines
        self.display = bool(lines)
        text = Text(no_wrap=True, overflow="ellipsis")
        for n, line in enumerate(lines):
            if n:
                text.append("\n")
            text.append(one_line(line, 200), style="bold" if line.startswith("you ·") else "")
        self._draw(text)
