"""Driving the desk through Pilot: an app over a store at the demo's fixed time, waiting for its workers, the
desk screen under test, and one side pane alone."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from textual.widget import Widget
from textual.worker import WorkerFailed

from tests.support.clock import Clock
from triagedesk.app.desk import Desk
from triagedesk.demo.data import DEMO_NOW
from triagedesk.domain.errors import UserError
from triagedesk.store.database import open_store
from triagedesk.tui.app import TriageDeskApp
from triagedesk.tui.screens.desk_screen import DeskScreen

NOW = DEMO_NOW
"""The demo store's fixed time."""


def make_app(path: Path, role: str = "coordinator", expert_id: str | None = None, watch: bool = False,
             clock: Clock | None = None) -> TriageDeskApp:
    """The desk over `path` at the demo's fixed time (or `clock`, which a test moves)."""
    return TriageDeskApp(Desk(open_store(path), clock=clock or Clock(NOW)), role=role, expert_id=expert_id,
                         live=False, watch=watch)


async def settle(pilot) -> None:
    """Wait until every worker is done, their messages handled, and nothing new started; a worker that failed with
    anything but a user's mistake (told as a notice) fails the test."""
    quiet = 0
    for _ in range(100):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerFailed as failed:
            if not isinstance(failed.error, UserError | OSError):  # a bug, not a refusal the user is told of
                raise
            # a refused write: the app's failure handler tells the user (tests assert on the notice)
        await pilot.pause()
        busy = any(not w.is_finished for w in pilot.app.workers)
        quiet = 0 if busy else quiet + 1
        if quiet >= 3:
            break


def screen_of(app) -> DeskScreen:
    screen = app.screen_stack[-1]
    assert isinstance(screen, DeskScreen)
    return screen


class PaneApp(App[None]):
    """One side pane alone, with a border, at a given height and width (None: the screen's)."""

    CSS = "LinePane, EscalationPane, CandidatesPane { border: round $panel; }"

    def __init__(self, pane: Widget, height: int = 7, width: int | None = 40) -> None:
        super().__init__()
        self.pane = pane
        pane.styles.height = height
        if width is not None:
            pane.styles.width = width

    def compose(self) -> ComposeResult:
        yield self.pane
