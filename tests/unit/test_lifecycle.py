"""Every pair of request states: legal moves stamp their time, illegal ones are clear errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import product

import pytest

from triagedesk.domain.models import Expert, Issue
from triagedesk.domain.records import REQUEST_STATUSES, ExpertRequest
from triagedesk.domain.requests.lifecycle import ACTIONS, LifecycleError, next_states, open_request, transition

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ANN = Expert(id="ann", name="Ann")
BOB = Expert(id="bob", name="Bob")

LEGAL = {
    ("pending_payment", "pending_assignment"), ("pending_payment", "cancelled"),
    ("pending_assignment", "assigned"), ("pending_assignment", "cancelled"),
    ("assigned", "assigned"), ("assigned", "in_review"), ("assigned", "waiting"), ("assigned", "cancelled"),
    ("in_review", "completed"), ("in_review", "waiting"), ("in_review", "assigned"), ("in_review", "cancelled"),
    ("waiting", "in_review"), ("waiting", "assigned"), ("waiting", "cancelled"),
    ("completed", "refunded"),
}


def request_in(status: str) -> ExpertRequest:
    fields = {"status": status, "submitted_at": T0}
    if status not in ("pending_payment", "pending_assignment", "cancelled"):
        fields.update(assigned_expert_id="ann", assigned_expert_name="Ann", assigned_at=T0)
    return ExpertRequest(analysis_id="i1", **fields)


def test_the_transition_table_is_exactly_the_documented_one() -> None:
    reachable = {(a, b) for a in REQUEST_STATUSES for b in next_states(a)}
    assert reachable == LEGAL


@pytest.mark.parametrize(("source", "target"), list(product(REQUEST_STATUSES, REQUEST_STATUSES)))
def test_every_pair(source: str, target: str) -> None:
    request = request_in(source)
    at = T0 + timedelta(hours=1)
    moves = [name for name, (sources, to) in ACTIONS.items() if source in sources]
    reached = set()
    for action in moves:
        expert = BOB if action in ("assign", "reassign") else None
        if action == "resume" and source == "waiting":
            for started in (None, T0):
                moved = transition(request.model_copy(update={"started_at": started, "waiting_since": T0}),
                                   action, at, expert)
                reached.add(moved.status)
            continue
        reached.add(transition(request, action, at, expert).status)
    assert (target in reached) == ((source, target) in LEGAL)


@pytest.mark.parametrize("action", list(ACTIONS))
def test_illegal_actions_are_refused_not_written(action: str) -> None:
    done = request_in("refunded")
    with pytest.raises(LifecycleError,
                       match=rf"cannot {action} request .*: it is refunded \(legal: none: it is final\)"):
        transition(done, action, T0 + timedelta(hours=1), BOB)
    assert done.status == "refunded"


def test_each_transition_stamps_its_time() -> None:
    r = request_in("pending_payment")
    t = [T0 + timedelta(minutes=m) for m in (5, 10, 20, 30, 40, 50, 90)]
    r = transition(r, "pay", t[0])
    r = transition(r, "assign", t[1], ANN)
    assert (r.status, r.assigned_at, r.assigned_expert_id) == ("assigned", t[1], "ann")
    r = transition(r, "acknowledge", t[2])
    assert r.acknowledged_at == t[2]
    r = transition(r, "start", t[3])
    assert (r.status, r.started_at) == ("in_review", t[3])
    r = transition(r, "wait", t[4])
    assert (r.status, r.waiting_since) == ("waiting", t[4])
    r = transition(r, "resume", t[5], paused_minutes=10)
    assert (r.status, r.waiting_since, r.paused_minutes) == ("in_review", None, 10)
    r = transition(r, "complete", t[6])
    assert (r.status, r.completed_at) == ("completed", t[6])
    r = transition(r, "refund", t[6] + timedelta(hours=1))
    assert r.status == "refunded" and r.refunded_at is not None


def test_reassign_rules() -> None:
    r = request_in("assigned")
    with pytest.raises(LifecycleError, match="already assigned to ann"):
        transition(r, "reassign", T0, ANN)
    with pytest.raises(LifecycleError, match="needs an expert"):
        transition(r, "reassign", T0)
    with pytest.raises(LifecycleError, match="not active"):
        transition(r, "reassign", T0, Expert(id="zed", is_active=False))
    with pytest.raises(LifecycleError, match="before it was submitted"):
        transition(r, "start", T0 - timedelta(minutes=1))


def test_requests_start_by_profile(infra, appraisal, infra_scorer, appraisal_scorer) -> None:
    outage = Issue(id="i1", title="Site down")
    assert open_request(outage, infra_scorer.decide(outage), infra, T0).status == "pending_assignment"
    teapot = Issue(id="a1", category="silver", estimated_value={"min": 350000, "max": 700000}, confidence=0.8)
    request = open_request(teapot, appraisal_scorer.decide(teapot), appraisal, T0)
    assert (request.status, request.tier_id, request.price) == ("pending_payment", "premium-appraisal", 500)
