"""The header's maintenance line: the active windows and the next one coming, shown only while there are any."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from textual import work
from textual.message import Message
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from triagedesk.display import literal, one_line
from triagedesk.domain.intake import maintenance
from triagedesk.domain.intake.records import MaintenanceWindow

Windows = Callable[[], list[MaintenanceWindow]]


def badge_text(windows: list[MaintenanceWindow], now: datetime) -> str:
    """`⚒ W-1 until 03:00 (job=db) · next W-2 at 01-06 14:00`; "" without an active or upcoming window."""
    active, coming = maintenance.active(windows, now), maintenance.upcoming(windows, now)
    parts = [f"{w.id} until {w.until:%H:%M} ({', '.join(w.matchers)})" for w in active[:2]]
    if len(active) > 2:
        parts.append(f"+{len(active) - 2} active")
    if coming:
        parts.append(f"next {coming[0].id} at {coming[0].starts_at:%m-%d %H:%M}"
                     + (f" (+{len(coming) - 1})" if len(coming) > 1 else ""))
    return one_line("⚒ " + " · ".join(parts), 90) if parts else ""


class MaintenanceBadge(Static):
    """At the header's left end while a window is active or coming (W opens the list); hidden otherwise."""

    DEFAULT_CSS = """
    MaintenanceBadge { dock: left; width: auto; max-width: 60%; height: 1; layer: overlay; padding: 0 1;
                       background: $panel; color: $warning; display: none; }
    """

    @dataclass
    class Seen(Message):
        text: str

    def __init__(self, windows: Windows, clock: Callable[[], datetime], every: float = 15.0,
                 id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.windows = windows
        self.clock = clock
        self.every = every

    def on_mount(self) -> None:
        self.look()
        self.set_interval(self.every, self.look)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def look(self) -> None:
        self.post_message(self.Seen(badge_text(self.windows(), self.clock())))

    def on_maintenance_badge_seen(self, message: Seen) -> None:
        self.display = bool(message.text)
        self.update(literal(message.text))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.display = False
