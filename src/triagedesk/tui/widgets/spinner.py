"""A turning mark for a line that tells of a wait (the queue's "Loading the store…")."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.scroll_view import ScrollView
from textual.timer import Timer


class Spinner:
    """While started, repaints line `line` of `widget` every `every` seconds; `mark()` is what to draw before the
    line's text then. The frames show the desk alive through a long load (at 1M, seconds), and paint a key pressed
    meanwhile that changes nothing else; one line, not Textual's `loading` overlay, whose removal laid the whole
    screen out again just as the queue came."""

    FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"

    def __init__(self, widget: ScrollView, line: int, every: float = 1 / 12,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.widget = widget
        self.line = line
        self.every = every
        self.clock = clock
        self._timer: Timer | None = None

    @property
    def turning(self) -> bool:
        return self._timer is not None

    def start(self) -> None:
        if self._timer is None:
            self._timer = self.widget.set_interval(self.every, self._repaint)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
            self._repaint()

    def _repaint(self) -> None:
        self.widget.refresh_lines(self.line)

    def mark(self) -> str:
        """The frame of the moment and a space while turning, else nothing."""
        if self._timer is None:
            return ""
        return f"{self.FRAMES[int(self.clock() / self.every) % len(self.FRAMES)]} "


__all__ = ["Spinner"]
