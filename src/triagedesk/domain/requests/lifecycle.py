"""The expert request lifecycle (seed 002 plus `waiting`): legal transitions only, each stamping its time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from triagedesk.domain.errors import UserError
from triagedesk.domain.models import Decision, Expert, Issue
from triagedesk.domain.records import HELD_STATUSES, OPEN_STATUSES, ExpertRequest, new_id
from triagedesk.domain.scoring.profiles import Profile


class LifecycleError(UserError):
    """An illegal transition: the request is left as it was."""


ACTIONS: dict[str, tuple[frozenset[str], str]] = {
    # action: (states it may start from, state it leads to; "" = decided by the action)
    "pay": (frozenset({"pending_payment"}), "pending_assignment"),
    "assign": (frozenset({"pending_assignment"}), "assigned"),
    "reassign": (HELD_STATUSES, "assigned"),
    "acknowledge": (frozenset({"assigned"}), "assigned"),
    "start": (frozenset({"assigned"}), "in_review"),
    "wait": (frozenset({"assigned", "in_review"}), "waiting"),
    "resume": (frozenset({"waiting"}), ""),
    "complete": (frozenset({"in_review"}), "completed"),
    "cancel": (OPEN_STATUSES, "cancelled"),
    "refund": (frozenset({"completed"}), "refunded"),
}
"""Every legal move. Terminal states: cancelled, refunded (completed may only be refunded)."""


def legal_actions(status: str) -> list[str]:
    return [name for name, (sources, _) in ACTIONS.items() if status in sources]


def next_states(status: str) -> set[str]:
    """Every state reachable from `status` in one move."""
    out: set[str] = set()
    for name, (sources, target) in ACTIONS.items():
        if status in sources:
            out.update({"in_review", "assigned"} if name == "resume" else {target})
    return out


def open_request(issue: Issue, decision: Decision, profile: Profile, at: datetime, user_id: str = "",
                 tier_id: str | None = None, notes: str | None = None) -> ExpertRequest:
    """A new request for an issue: pending payment where the profile charges, else pending assignment."""
    tier_key = tier_id or decision.recommended_tier
    tier = profile.tiers.get(tier_key) if tier_key else None
    if tier_key and tier is None:
        raise LifecycleError(f"unknown tier {tier_key!r} in profile {profile.name}")
    return ExpertRequest(
        id=new_id("req"), analysis_id=issue.id or "", user_id=user_id, profile=profile.name,
        tier_id=tier_key if tier else None, tier_name=tier.name if tier else None,
        price=tier.price if tier else 0.0,
        status="pending_payment" if profile.payment and tier is not None else "pending_assignment",
        urgency=decision.urgency, submitted_at=at, item_name=issue.title, item_category=issue.category,
        estimated_value=issue.estimated_value, user_notes=notes,
    )


def transition(request: ExpertRequest, action: str, at: datetime, expert: Expert | None = None,
               paused_minutes: float = 0.0, **fields: Any) -> ExpertRequest:
    """The request after `action` at `at`; an illegal action raises `LifecycleError`."""
    if action not in ACTIONS:
        raise LifecycleError(f"unknown action {action!r} (known: {', '.join(ACTIONS)})")
    sources, target = ACTIONS[action]
    if request.status not in sources:
        legal = ", ".join(legal_actions(request.status)) or "none: it is final"
        raise LifecycleError(f"cannot {action} request {request.id}: it is {request.status} (legal: {legal})")
    update: dict[str, Any] = dict(fields)
    if action in ("assign", "reassign"):
        if expert is None:
            raise LifecycleError(f"{action} needs an expert")
        if not expert.is_active:
            raise LifecycleError(f"expert {expert.id} is not active")
        if action == "reassign" and expert.id == request.assigned_expert_id:
            raise LifecycleError(f"request {request.id} is already assigned to {expert.id}")
        update.update(assigned_expert_id=expert.id, assigned_expert_name=expert.name, assigned_at=at,
                      acknowledged_at=None, started_at=None)
        if request.status == "waiting":
            update["waiting_since"] = None
            update["paused_minutes"] = request.paused_minutes + paused_minutes
    elif action == "acknowledge":
        if request.acknowledged_at is not None:
            raise LifecycleError(f"request {request.id} is already acknowledged")
        update["acknowledged_at"] = at
    elif action == "start":
        update["started_at"] = at
        if request.acknowledged_at is None:
            update["acknowledged_at"] = at
    elif action == "wait":
        update["waiting_since"] = at
    elif action == "resume":
        target = "in_review" if request.started_at is not None else "assigned"
        update.update(waiting_since=None, paused_minutes=request.paused_minutes + paused_minutes)
    elif action == "complete":
        update["completed_at"] = at
    elif action == "cancel":
        update["cancelled_at"] = at
    elif action == "refund":
        update["refunded_at"] = at
    if at < request.submitted_at:
        raise LifecycleError(f"cannot {action} request {request.id} before it was submitted")
    update["status"] = target
    return request.model_copy(update=update)
