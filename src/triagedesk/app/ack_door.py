"""The dispatcher's door for acknowledgement links: one more door to the action table's `acknowledge`."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING

from triagedesk.domain import instants
from triagedesk.domain.errors import UserError
from triagedesk.domain.models import Issue
from triagedesk.domain.records import ExpertRequest
from triagedesk.domain.requests.actions import Actor
from triagedesk.domain.requests.plan import Intent, Plan

if TYPE_CHECKING:
    from triagedesk.app.desk import Desk

ACK_LINK = Actor("ack-link", "dispatcher")


class AckDoor:
    """What an ack link may see and do (mixed into `Dispatching`, which holds the desk, its store and lock)."""

    desk: Desk
    lock: threading.RLock
    _at: Callable[[datetime], AbstractContextManager[None]]
    """The lock, the store's write lock and the desk's clock at `now` (Dispatching's)."""

    def ack_state(self, request_id: str, assigned_at: str) -> tuple[ExpertRequest | None, Issue | None, str | None]:
        """What an ack link's page shows: the request, its issue, and why it can no longer be acknowledged
        (None: it can). Reads only."""
        with self.lock:
            request = self.desk.store.requests.get(request_id)
            issue = self.desk.store.issues.get(request.analysis_id) if request is not None else None
            return request, issue, self._link_refusal(request, assigned_at)

    def _link_refusal(self, request: ExpertRequest | None, assigned_at: str) -> str | None:
        """Why a link can no longer acknowledge (None: it can): an assignment that has moved on, else the action
        table's own reason (the link is one more door to `acknowledge`)."""
        if request is None or request.assigned_at is None or instants.stamp(request.assigned_at) != assigned_at:
            return "this link is for an assignment that has moved on"
        planned = self.desk.commands.preview(ACK_LINK, Intent("acknowledge", request.analysis_id, request.id))
        if isinstance(planned, Plan):
            return None
        if planned.reason == "already acknowledged":
            return "this assignment is already acknowledged"
        return f"this assignment cannot be acknowledged: {planned.reason}"

    def acknowledge(self, request_id: str, assigned_at: str, now: datetime) -> ExpertRequest:
        """Acknowledge the assignment a link was issued for; a later assignment or a second use is refused."""
        with self._at(now):
            why = self._link_refusal(self.desk.store.requests.get(request_id), assigned_at)
            if why is not None:
                raise UserError(why)
            return self.desk.commands.act(request_id, "acknowledge", ACK_LINK, note="acknowledged by link")
