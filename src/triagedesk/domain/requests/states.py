"""The request lifecycle's states (seed 002's five plus `waiting` and the two ends), named once for every door."""

from __future__ import annotations

from typing import Literal

RequestStatus = Literal[
    "pending_payment", "pending_assignment", "assigned", "in_review", "waiting",
    "completed", "cancelled", "refunded",
]
REQUEST_STATUSES: tuple[str, ...] = (
    "pending_payment", "pending_assignment", "assigned", "in_review", "waiting",
    "completed", "cancelled", "refunded",
)
OPEN_STATUSES = frozenset(REQUEST_STATUSES[:5])
"""The request is still being worked: a new escalation of its issue is refused."""
HELD_STATUSES = frozenset({"assigned", "in_review", "waiting"})
"""An expert has the request: its clocks run (or are paused), and a new expert is a reassignment."""
PENDING_STATUSES = frozenset({"pending_payment", "pending_assignment"})
"""Open, and nobody holds it yet."""
CLOSED_STATUSES = frozenset(REQUEST_STATUSES[5:])
"""Completed, cancelled, refunded: a new escalation opens a new request."""
NEVER_ESCALATED = "new"
"""The one name of an issue without a request, wherever a state is shown or filtered (queue, search, CLI)."""

STATE_NAMES: dict[str | None, str] = {
    None: "new", "pending_payment": "pending payment", "pending_assignment": "pending assignment",
    "assigned": "assigned", "in_review": "in review", "waiting": "waiting", "completed": "completed",
    "cancelled": "cancelled", "refunded": "refunded",
}
"""The one name of each state wherever a person reads it: the queue's column, a filter, search, the issue
screen, Timers, a refusal, a confirmation, the CLI's tables. Machine output (`--json`, config.toml) keeps the
token (`in_review`, and `new` for an issue without a request); every input takes the token or the name."""


def state_name(status: str | None) -> str:
    """How `status` reads (None and "new": an issue that never had a request); an unknown token as it is."""
    if status == NEVER_ESCALATED:
        return STATE_NAMES[None]
    return STATE_NAMES.get(status, str(status))

SESSION_RUNNING = frozenset({"initiated", "active", "paused"})
"""A session that has not ended: ticking (active) or paused; one expert runs at most one per request."""


def is_open(status: str | None) -> bool:
    return status in OPEN_STATUSES


def is_held(status: str | None) -> bool:
    return status in HELD_STATUSES


def is_closed(status: str | None) -> bool:
    """No request, or a finished one: escalating again opens a new request."""
    return status is None or status in CLOSED_STATUSES


def opening_status(pays: bool, tier: str | None) -> str:
    """A new request's first state: pending payment where the profile charges for the tier, else pending assignment."""
    return "pending_payment" if pays and tier is not None else "pending_assignment"
