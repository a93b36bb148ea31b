"""The one failure handler of the desk's workers: a user's mistake is a notice, anything else is reported."""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.widget import Widget
from textual.worker import Worker, WorkerState

from triagedesk.app.desk import Closing
from triagedesk.domain.errors import UserError
from triagedesk.tui.notices import tell


def tell_failure(node: App[Any] | Widget, event: Worker.StateChanged) -> None:
    """Notify a failed worker's error; the desk stays open (every worker has exit_on_error=False).

    Worker.StateChanged does not bubble, so the app and each screen that starts workers call this."""
    if event.state != WorkerState.ERROR or isinstance(event.worker.error, Closing):
        return  # (a worker stopped by the desk's closing: nothing to tell)
    error = event.worker.error
    if isinstance(error, UserError | OSError):
        tell(node, str(error), severity="error", timeout=8)
    else:
        tell(node, f"Unexpected error: {type(error).__name__}: {error}", severity="error", timeout=12)
