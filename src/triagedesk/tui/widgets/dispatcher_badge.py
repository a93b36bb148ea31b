"""The header's dispatcher badge: shown only while a dispatcher holds this store's lease."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual import work
from textual.message import Message
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from triagedesk.display import literal, one_line

Status = Callable[[], dict[str, Any] | None]


class DispatcherBadge(Static):
    """`● dispatcher` at the header's right end while one is active (its holder in the tooltip); hidden otherwise,
    so a desk without a dispatcher looks exactly as before."""

    DEFAULT_CSS = """
    DispatcherBadge { dock: right; width: auto; height: 1; layer: overlay; padding: 0 1;
                      background: $panel; color: $success; display: none; }
    """

    @dataclass
    class Seen(Message):
        status: dict[str, Any] | None

    def __init__(self, status: Status, every: float = 2.0, id: str | None = None) -> None:
        super().__init__("● dispatcher", id=id, markup=False)
        self.status = status
        self.every = every

    def on_mount(self) -> None:
        self.look()
        self.set_interval(self.every, self.look)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def look(self) -> None:
        self.post_message(self.Seen(self.status()))

    def on_dispatcher_badge_seen(self, message: Seen) -> None:
        active = message.status is not None
        self.display = active
        self.tooltip = literal(f"dispatcher active: {one_line(message.status['holder'], 60)}") \
            if message.status else None  # a holder name is data: never markup

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:  # an unreadable status file reads as no dispatcher
            self.display = False
