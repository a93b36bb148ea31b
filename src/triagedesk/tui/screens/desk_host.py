"""What the desk screen offers the pieces that act for it (the doors, the queue's controls): a typed host."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from textual.notifications import SeverityLevel

if TYPE_CHECKING:
    from rich.text import Text
    from textual.app import App
    from textual.screen import Screen
    from textual.widgets import Input

    from triagedesk.app.desk import Desk
    from triagedesk.app.queue import QueueData, QueueFilter
    from triagedesk.domain.models import Candidate
    from triagedesk.domain.requests.actions import Actor
    from triagedesk.tui.config import Settings
    from triagedesk.tui.keys import Selection
    from triagedesk.tui.screens.queue_controls import QueueControls
    from triagedesk.tui.screens.views_door import ViewsDoor
    from triagedesk.tui.widgets.queue_view import QueueView

T = TypeVar("T")


class DeskHost(Protocol):
    """The desk screen, as its pieces see it."""

    desk: Desk
    actor: Actor
    role: str
    expert_id: str | None
    current: str | None
    selection: Selection
    settings: Settings
    spec: QueueFilter
    data: QueueData
    queue_controls: QueueControls
    views: ViewsDoor

    @property
    def app(self) -> App[Any]: ...

    def queue_view(self) -> QueueView: ...

    def filter_box(self) -> Input: ...

    def analytics_days(self) -> int: ...

    def queue_subtitle(self, text: Text) -> None:
        """Show `text` under the queue pane."""

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None: ...

    def push(self, screen: Screen[Any], then: Callable[[Any], None] | None = None) -> None:
        """Open a dialog or screen; `then` gets what it returns."""

    def background(self, job: Callable[[], T], then: Callable[[T], None]) -> object:
        """Run `job` on a thread worker; `then` gets its result on the UI thread (a failure is a notice)."""

    def write(self, label: str | Callable[[Any], str], operation: Callable[[], object]) -> object:
        """One of the desk's writes off the UI thread; the notice after says `label` (or makes it from the result)."""

    def candidates(self) -> list[Candidate]:
        """The Candidates pane's experts, in its order."""

    def marked_rows(self) -> list[str]:
        """The queue's marked rows, in queue order."""

    def unmark(self, done: set[str]) -> None:
        """Clear these rows' marks (a bulk action's done rows)."""

    def apply_filter(self, keep: str | None = None, within: Any = None,
                     changed: Collection[str] | None = None) -> None: ...

    def reload(self) -> None: ...
