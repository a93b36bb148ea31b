"""What each action does to a request record: its state, its own timestamps and its clocks (pure builders).

`plan.plan` decides whether an action may be taken and calls these; nothing else changes a request's state.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from triagedesk.domain.models import URGENCY_RANK, Decision, Expert, Issue
from triagedesk.domain.records import ExpertCorrection, ExpertRequest, new_id
from triagedesk.domain.requests import clocks
from triagedesk.domain.requests.actions import ACTIONS
from triagedesk.domain.requests.states import CLOSED_STATUSES, opening_status
from triagedesk.domain.scoring.profiles import Profile


def opened(issue: Issue, decision: Decision, profile: Profile, at: datetime, user_id: str, tier_id: str | None,
           notes: str | None) -> ExpertRequest:
    """A new request: pending payment where the profile charges for its tier, else pending assignment with its
    resolve target running from now. `tier_id` must be one of the profile's (checked by the plan)."""
    tier = profile.tiers.get(tier_id) if tier_id else None
    status = opening_status(profile.payment, tier_id if tier else None)
    request = ExpertRequest(
        id=new_id("req"), analysis_id=issue.id or "", user_id=user_id, profile=profile.name,
        tier_id=tier_id if tier else None, tier_name=tier.name if tier else None, price=tier.price if tier else 0.0,
        status=status, urgency=decision.urgency, submitted_at=at, item_name=issue.title,
        item_category=issue.category, estimated_value=issue.estimated_value, user_notes=notes,
    )
    if status == "pending_payment":
        return request  # the tier's guarantee starts at the payment
    return request.model_copy(update={"due_at": _resolve_due(request, profile, decision, at)})


def _resolve_due(request: ExpertRequest, profile: Profile, decision: Decision | None, start: datetime) -> datetime:
    effort = decision.estimated_expert_minutes if decision is not None else None
    budget = clocks.resolve_budget(profile, request.tier_id, request.urgency, effort)
    return clocks.due_for_resolve(start, budget, 0.0, profile)


def raised(request: ExpertRequest, profile: Profile, decision: Decision) -> ExpertRequest | None:
    """The open request of an issue a repeat made more urgent: it takes the decision's urgency, and its resolve
    target the one that urgency gives from the target's start (as escalating computes it) when that is earlier:
    a target never moves later. None when the decision is not more urgent (a repeat never lowers a request)."""
    if request.status in CLOSED_STATUSES or URGENCY_RANK[decision.urgency] >= URGENCY_RANK[request.urgency]:
        return None
    more = request.model_copy(update={"urgency": decision.urgency})
    start = clocks.resolve_start(request)
    if request.due_at is None or start is None:
        return more  # not started (awaiting payment): its target starts at the payment, from the new urgency
    return more.model_copy(update={"due_at": min(request.due_at, _resolve_due(more, profile, decision, start))})


def paid(request: ExpertRequest, profile: Profile, decision: Decision | None, at: datetime) -> ExpertRequest:
    return _moved(request, "pay", at, paid_at=at, due_at=_resolve_due(request, profile, decision, at))


def given(request: ExpertRequest, action: str, expert: Expert, profile: Profile, at: datetime,
          lapsed: bool = False, calendars: clocks.CalendarBook | None = None) -> ExpertRequest:
    """Assigned, reassigned or escalated to a senior: a new acknowledge target; the resolve target stays
    (a wait the request was in ends, pushing it by the wait)."""
    update: dict[str, Any] = {
        "assigned_expert_id": expert.id, "assigned_expert_name": expert.name, "assigned_at": at,
        "acknowledged_at": None, "started_at": None,
        "ack_due_at": clocks.due_for_ack(at, profile, expert, request.urgency, calendars),
    }
    if request.status == "waiting":
        update.update(_wait_ended(request, profile, at))
    if lapsed and request.assigned_expert_id and request.assigned_expert_id not in request.lapsed_expert_ids:
        update["lapsed_expert_ids"] = [*request.lapsed_expert_ids, request.assigned_expert_id]
    if action == "senior":
        update["escalated_to_senior"] = True
    return _moved(request, action, at, **update)


def _wait_ended(request: ExpertRequest, profile: Profile, at: datetime) -> dict[str, Any]:
    """A wait ends: its working minutes (the service's calendar) push the resolve target; the stored due time stays."""
    since = request.waiting_since or at
    paused = clocks.service_calendar(profile).working_minutes_between(since, at)
    return {"waiting_since": None, "paused_minutes": request.paused_minutes + paused}


def unassigned(request: ExpertRequest, at: datetime) -> ExpertRequest:
    """Back to pending assignment, nobody holding it (its resolve target untouched)."""
    return _moved(request, "unassign", at, assigned_expert_id=None, assigned_expert_name=None, assigned_at=None,
                  acknowledged_at=None, started_at=None, ack_due_at=None)


def resumed(request: ExpertRequest, profile: Profile, at: datetime) -> ExpertRequest:
    update = _wait_ended(request, profile, at)
    return _moved(request, "resume", at, to="in_review" if request.started_at is not None else "assigned", **update)


def started(request: ExpertRequest, at: datetime) -> ExpertRequest:
    update: dict[str, Any] = {}
    if request.started_at is None:
        update["started_at"] = at
    if request.acknowledged_at is None:
        update["acknowledged_at"] = at
    return _moved(request, "start", at, **update)


def completed(request: ExpertRequest, profile: Profile, at: datetime, rating: int | None,
              final_report: str | None) -> ExpertRequest:
    """Completed: a paid request finished after its resolve target is owed a refund (seed 002's guarantee)."""
    missed = bool(clocks.resolve_missed(request, profile, at))
    update: dict[str, Any] = {"completed_at": at, "refund_due": missed and request.price > 0, "rating": rating}
    if final_report and final_report.strip():
        update["final_report"] = final_report.strip()
    return _moved(request, "complete", at, **update)


def corrected(request: ExpertRequest, correction: ExpertCorrection) -> ExpertRequest:
    return _moved(request, "correction", request.submitted_at,
                  expert_corrections=[*request.expert_corrections, correction])


STAMPS = {"acknowledge": "acknowledged_at", "wait": "waiting_since", "cancel": "cancelled_at",
          "refund": "refunded_at"}
"""The one timestamp an action sets, where that is all it does besides the state."""


def stamped(request: ExpertRequest, action: str, at: datetime) -> ExpertRequest:
    update: dict[str, Any] = {STAMPS[action]: at}
    return _moved(request, action, at, **update)


def _moved(request: ExpertRequest, action: str, at: datetime, to: str | None = None,
           **update: Any) -> ExpertRequest:
    """The request after `action`: the table's target state, with only the fields the table lets it write."""
    row = ACTIONS[action]
    target = to or (row.to if row.to not in (None, "resume") else None)
    if target is not None:
        update["status"] = target
    unknown = set(update) - set(row.fields) - {"status"}
    if unknown and "*" not in row.fields:
        raise AssertionError(f"{action} writes {sorted(unknown)} outside its row of the action table")
    return request.model_copy(update=update)
