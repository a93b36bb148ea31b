"""What a due policy step asks of the action table: the intent the dispatcher's door submits to `plan`."""

from __future__ import annotations

from collections.abc import Sequence

from triagedesk.domain.models import Candidate
from triagedesk.domain.requests.plan import Intent, Situation
from triagedesk.domain.requests.policy import Step, choose
from triagedesk.domain.routing import eligibility


def on_call_first(pool: Sequence[Candidate], on_call: Sequence[str]) -> Candidate | None:
    """Whoever is on call for the issue (a schedule covering it), when they are in the pool and available: an
    auto-assignment or a re-route goes to them before any strategy."""
    by_id = {c.expert_id: c for c in pool if c.available_now}
    return next((by_id[member] for member in on_call if member in by_id), None)


def intent_for(step: Step, situation: Situation, last_auto: str | None = None) -> Intent | None:
    """The intent a step takes (None: the step only tells someone, or nobody can take the request).

    auto_assign picks whoever is on call for the issue among its specialists, else with the profile's strategy
    among them, else (no specialist available now) whoever is on call for it (`eligibility.stand_in`); a missed
    acknowledgement re-routes the same way (never back to one who let it lapse), else to a senior; a breach goes
    to a senior. Whoever let it lapse is remembered on the request.
    """
    request = situation.request
    if request is None:
        return None
    issue_id = situation.issue.id or request.analysis_id
    rule = situation.profile.policy.auto_assign
    lapsed = set(request.lapsed_expert_ids)
    if step.kind == "auto_assign":
        pool = eligibility.eligible(situation.ranked, situation.experts, lapsed)
        pick = on_call_first(pool, situation.on_call) or choose(rule.strategy, pool, rule.top_n, (), last_auto) \
            or eligibility.stand_in(situation.ranked, situation.experts, situation.on_call, lapsed)
        return Intent("assign", issue_id, request.id, pick.expert_id, step.reason) if pick else None
    held = request.status in ("assigned", "in_review", "waiting")
    if step.kind == "ack_reassign":
        pool = eligibility.eligible(situation.ranked, situation.experts, lapsed | {request.assigned_expert_id or ""})
        pick = on_call_first(pool, situation.on_call) or choose(rule.strategy, pool, rule.top_n, (), None) \
            or eligibility.stand_in(situation.ranked, situation.experts, situation.on_call,
                                    lapsed | {request.assigned_expert_id or ""})
        if pick is not None:
            return Intent("reassign", issue_id, request.id, pick.expert_id, step.reason, lapsed=True)
        return Intent("senior", issue_id, request.id, None, step.reason, lapsed=True)
    if step.kind in ("ack_senior", "breach_senior"):
        return Intent("senior", issue_id, request.id, None, step.reason, lapsed=held)
    return None
