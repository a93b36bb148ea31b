"""Notices to the user, always plain text: the ids, names, paths and server answers they carry are data."""

from __future__ import annotations

from typing import Protocol

from textual.notifications import SeverityLevel


class Notifies(Protocol):
    """The app, a screen or a widget: what has Textual's `notify`."""

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None: ...


def tell(node: Notifies, message: str, *, severity: SeverityLevel = "information", timeout: float | None = None,
         title: str = "") -> None:
    """Show `message` as written (Textual's `notify` reads markup unless told not to: `[/]` in an expert's
    name broke the toast). Safe from a thread, as `notify` is."""
    node.notify(message, title=title, severity=severity, timeout=timeout, markup=False)
