"""The one home of a request's state rules: open, held and closed; assign or reassign; the paid path.

The desk (app/desk.py), the TUI and the CLI ask these functions instead of re-deriving them:
which states are open, held by an expert, or closed; whether pressing "assign" opens a new request,
assigns or reassigns, or must wait for payment (workloads are counted from the held requests:
performance.figures); when the due time is recomputed
and whether a completed request is owed a refund; what a running session is; and the desk's
suggestions, as codes with their text (the UI picks a short hint by code, never by wording).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from triagedesk.domain.durations import spoken
from triagedesk.domain.errors import UserError
from triagedesk.domain.models import Expert
from triagedesk.domain.records import HELD_STATUSES, OPEN_STATUSES, REQUEST_STATUSES, ExpertRequest

CLOSED_STATUSES = frozenset(s for s in REQUEST_STATUSES if s not in OPEN_STATUSES)
"""Completed, cancelled, refunded: a new escalation opens a new request."""

PENDING_STATUSES = frozenset({"pending_payment", "pending_assignment"})
"""Open, and nobody holds it yet."""

__all__ = ["CLOSED_STATUSES", "HELD_STATUSES", "OPEN_STATUSES", "PENDING_STATUSES", "AwaitsPayment",
           "AssignPlan", "Suggestion", "plan_assignment", "opening_status",
           "is_open", "is_held", "is_closed", "session_running", "session_ticking", "suggestions",
           "due_recomputed", "refund_due", "can_start_session", "can_wait", "can_resume",
           "can_pay", "can_cancel", "can_escalate", "can_assign", "can_senior"]


def is_open(status: str | None) -> bool:
    return status in OPEN_STATUSES


def is_held(status: str | None) -> bool:
    """An expert has the request: a new expert is a reassignment, and its SLA clock runs (or is paused)."""
    return status in HELD_STATUSES


def is_closed(status: str | None) -> bool:
    """No request, or a finished one: escalating again opens a new request."""
    return status is None or status in CLOSED_STATUSES


class AwaitsPayment(UserError):
    """A paid profile's request cannot be assigned before its payment is recorded."""


def opening_status(pays: bool, tier: str | None) -> str:
    """A new request's first state: pending payment where the profile charges for the tier, else pending assignment."""
    return "pending_payment" if pays and tier is not None else "pending_assignment"


@dataclass(frozen=True)
class AssignPlan:
    """What "give this issue to expert X" means for the issue's request as it stands."""

    escalate_first: bool
    """Open a new request first (none yet, or the last one is closed)."""
    action: Literal["assign", "reassign"]


def plan_assignment(status: str | None, opens_as: str, request_id: str = "") -> AssignPlan:
    """Assign or reassign; a request that awaits payment (or would, once opened) raises `AwaitsPayment`
    before anything is written: the one path is escalate, record the payment ($), then assign."""
    if is_closed(status):
        if opens_as == "pending_payment":
            raise AwaitsPayment("a new request for this issue awaits payment: escalate (!) and record the "
                                "payment ($) first, then assign")
        return AssignPlan(True, "assign")
    if status == "pending_payment":
        raise AwaitsPayment(f"request {request_id} awaits payment: record it with $ first, then assign")
    return AssignPlan(False, "assign" if status == "pending_assignment" else "reassign")


# -- which desk actions are legal in a state (the keys' when-legal predicates read these) ------------------
def can_escalate(status: str | None) -> bool:
    """Open a request: the issue has none, or its last one is closed."""
    return is_closed(status)


def can_assign(status: str | None, opens_as: str) -> bool:
    """1-5: any state but one that awaits payment (or would, once opened)."""
    try:
        plan_assignment(status, opens_as)
    except AwaitsPayment:
        return False
    return True


def can_senior(status: str | None) -> bool:
    return status == "pending_assignment" or is_held(status)


def can_pay(status: str | None) -> bool:
    return status == "pending_payment"


def can_cancel(status: str | None) -> bool:
    return is_open(status)


def can_wait(status: str | None) -> bool:
    return status in ("assigned", "in_review")


def can_resume(status: str | None) -> bool:
    return status == "waiting"


def can_start_session(status: str | None) -> bool:
    return status in ("assigned", "in_review")


# -- sessions ---------------------------------------------------------------------------------------------
RUNNING_SESSION_STATUSES = frozenset({"initiated", "active", "paused"})
"""A running session has not ended: it may be ticking (active) or paused; a second one is refused."""


def session_running(status: str | None) -> bool:
    return status in RUNNING_SESSION_STATUSES


def session_ticking(status: str | None) -> bool:
    """Its clock counts up now."""
    return status == "active"


# -- what an action moves besides the request ----------------------------------------------------------------
def due_recomputed(action: str) -> bool:
    """The due time follows the holder: recomputed when an expert takes it or a wait ends."""
    return action in ("assign", "reassign", "resume")


def refund_due(due: datetime, completed_at: datetime) -> bool:
    """Seed 002's guarantee: completed after its due time, the request is owed a refund."""
    return completed_at > due


# -- suggestions ------------------------------------------------------------------------------------------------
SuggestionCode = Literal["breached", "at_risk", "unacknowledged"]

HINTS: dict[str, str] = {
    "breached": "escalate to senior",
    "at_risk": "at risk: senior?",
    "unacknowledged": "unacknowledged: next candidate?",
}
"""The short tag of each suggestion, for a timer line."""


@dataclass(frozen=True)
class Suggestion:
    """What the desk offers (never forces), as a code the UI can act on and the text a person reads."""

    code: SuggestionCode
    text: str

    @property
    def hint(self) -> str:
        return HINTS[self.code]


def suggestions(request: ExpertRequest, clock_state: str, expert: Expert | None, now: datetime) -> list[Suggestion]:
    """A senior expert near a breach; the next candidate when the holder has not acknowledged in time."""
    if request.status not in OPEN_STATUSES:
        return []
    out: list[Suggestion] = []
    if clock_state == "breached":
        out.append(Suggestion("breached", "SLA breached: escalate to a senior expert"))
    elif clock_state == "at_risk":
        out.append(Suggestion("at_risk", "Under 25% of the SLA left: consider a senior expert"))
    if (request.status == "assigned" and request.acknowledged_at is None and expert is not None
            and request.assigned_at is not None):
        ack_due = request.assigned_at + timedelta(minutes=expert.availability.response_sla_minutes)
        if now > ack_due:
            late = spoken((now - ack_due).total_seconds() // 60)
            sla_text = spoken(expert.availability.response_sla_minutes)
            text = f"Not acknowledged {late} past the {sla_text} response SLA: offer the next candidate"
            out.append(Suggestion("unacknowledged", text))
    return out
