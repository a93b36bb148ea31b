"""Notices to the user, always plain text, each kept in the run's notice log (N lists them)."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from textual.notifications import SeverityLevel

KEPT = 2000
"""The newest notices a run keeps (a day at the desk is a few hundred)."""


@dataclass(frozen=True)
class Notice:
    at: datetime
    severity: str
    text: str


class NoticeLog:
    """Every notice of this run, oldest first; written from any thread."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self._notices: deque[Notice] = deque(maxlen=KEPT)
        self._lock = threading.Lock()

    def add(self, severity: str, text: str) -> None:
        with self._lock:
            self._notices.append(Notice(self.clock(), severity, text))

    def all(self) -> list[Notice]:
        with self._lock:
            return list(self._notices)


class Notifies(Protocol):
    """The app, a screen or a widget: what has Textual's `notify`."""

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None: ...


def _log_of(node: Notifies) -> NoticeLog | None:
    found = getattr(node, "notice_log", None)
    if isinstance(found, NoticeLog):
        return found
    try:
        app = getattr(node, "app", None)
    except Exception:  # a node without an app (being torn down): the toast alone
        return None
    found = getattr(app, "notice_log", None)
    return found if isinstance(found, NoticeLog) else None


def tell(node: Notifies, message: str, *, severity: SeverityLevel = "information", timeout: float | None = None,
         title: str = "") -> None:
    """Show `message` as written (Textual's `notify` reads markup unless told not to: `[/]` in an expert's
    name broke the toast) and keep it in the run's log. Safe from a thread, as `notify` is."""
    log = _log_of(node)
    if log is not None:
        log.add(severity, f"{title}: {message}" if title else message)
    node.notify(message, title=title, severity=severity, timeout=timeout, markup=False)
