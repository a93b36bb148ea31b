"""Replaying an escalation policy over past requests: what it would have done, and the breaches it could have saved."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from triagedesk.domain.models import Expert
from triagedesk.domain.records import ExpertRequest
from triagedesk.domain.requests.clocks import ack_budget, resolve_due
from triagedesk.domain.requests.policy import auto_assigns
from triagedesk.domain.scoring.profiles import Profile


@dataclass(frozen=True)
class PolicyReplay:
    """One policy over one set of past requests (the requests' own history: who was assigned, when, how late)."""

    profile: str
    requests: int
    auto_assigned: int
    """Requests the policy would have assigned at submission, without a coordinator."""
    assignment_wait_saved_minutes: float
    """Their total wait for an assignment, which auto-assignment removes."""
    reassignments: int
    """Assignments acknowledged later than the ack window (or never): each would have moved on."""
    at_risk_notices: int
    breaches: int
    """Requests completed after their due time, or still open past it."""
    seniors_on_breach: int
    breaches_avoidable: int
    """Breaches late by less than the assignment wait auto-assignment saves (an estimate)."""
    refund_exposure: float

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "assignment_wait_saved_minutes": round(self.assignment_wait_saved_minutes, 1),
                "refund_exposure": round(self.refund_exposure, 2)}


def _minutes(delta: timedelta) -> float:
    return max(delta.total_seconds() / 60, 0.0)


def replay(profile: Profile, requests: Iterable[ExpertRequest], experts: dict[str, Expert],
           now: datetime) -> PolicyReplay:
    """What `profile`'s policy would have done to these requests (only those of its profile count)."""
    policy = profile.policy
    count = auto = reassign = at_risk = breaches = seniors = avoidable = 0
    saved = exposure = 0.0
    for request in requests:
        if request.profile != profile.name:
            continue
        count += 1
        waited = 0.0
        if request.assigned_at is not None and auto_assigns(
                request.model_copy(update={"status": "pending_assignment"}), profile):
            auto += 1
            waited = _minutes(request.assigned_at - request.submitted_at)
            saved += waited
        expert = experts.get(request.assigned_expert_id or "")
        if policy.ack_timeout.enabled and request.assigned_at is not None:
            window = timedelta(minutes=ack_budget(profile, expert))
            acked = request.acknowledged_at or request.started_at or now
            if acked - request.assigned_at > window:
                reassign += 1
        due = resolve_due(request, profile)  # the request's own clock: pushed by its waits
        if due is None:
            continue
        finished = request.completed_at or (now if request.status in ("assigned", "in_review", "waiting") else None)
        if finished is None:
            continue
        budget = _minutes(due - (request.assigned_at or request.submitted_at))
        if policy.breach.notify_at_risk and budget and _minutes(due - finished) < budget * 0.25:
            at_risk += 1
        if finished > due:
            breaches += 1
            seniors += int(policy.breach.senior_on_breach)
            exposure += request.price if policy.breach.refund_exposure else 0.0
            if waited and _minutes(finished - due) <= waited:
                avoidable += 1
    return PolicyReplay(profile.name, count, auto, saved, reassign, at_risk, breaches, seniors, avoidable, exposure)
