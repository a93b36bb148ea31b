"""The commands on a real store: one durable, audited write per plan, clocks, workloads, refunds, sessions."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.support.clock import T0, Clock
from tests.support.flows import act, escalate, record_outcome, start_session
from tests.support.stores import desk_at
from triagedesk.app.commands import Refused
from triagedesk.app.desk import Desk
from triagedesk.domain.models import Expert, Issue
from triagedesk.domain.requests.actions import Actor
from triagedesk.domain.requests.clocks import resolve_due
from triagedesk.domain.requests.plan import Intent

ANN = Expert(id="ann", name="Ann", specializations=["silver"], rating=4.0, completed_reviews=10,
             average_turnaround=20, expertise_level="senior")
BEA = Expert(id="bea", name="Bea", specializations=["silver"], expertise_level="expert")
TEAPOT = Issue(id="a1", profile="appraisal", title="Teapot", category="silver",
               estimated_value={"min": 50000, "max": 80000}, confidence=0.9)


@pytest.fixture
def world(tmp_path: Path) -> tuple[Desk, Clock]:
    clock = Clock()
    desk = desk_at(tmp_path, [ANN, BEA], [TEAPOT], clock)
    yield desk, clock
    desk.close()


def test_full_lifecycle(world) -> None:
    desk, clock = world
    request = escalate(desk, "a1", "coordinator")
    assert (request.status, request.tier_id, request.price, request.due_at) == (
        "pending_payment", "full-authentication", 150, None)
    paid = act(desk, request.id, "pay", "coordinator")
    assert paid.paid_at == T0 and paid.due_at == T0 + timedelta(hours=48)
    clock.now = T0 + timedelta(hours=1)
    assigned = act(desk, request.id, "assign", "coordinator", "ann")
    assert desk.figures.expert("ann").current_workload == 1
    assert assigned.ack_due_at == T0 + timedelta(hours=2)  # ann's 1-hour response SLA, around the clock
    clock.now = T0 + timedelta(hours=2)
    start_session(desk, request.id)
    act(desk, request.id, "wait", "ann")
    clock.now = T0 + timedelta(hours=12)  # ten hours waiting for the requester
    resumed = act(desk, request.id, "resume", "ann")
    assert resumed.status == "in_review" and resumed.paused_minutes == 600
    assert resumed.due_at == paid.due_at  # stored once
    assert resolve_due(resumed, desk.engine.profile("appraisal")) == T0 + timedelta(hours=58)  # the wait pushes it
    clock.now = T0 + timedelta(hours=57)
    done = act(desk, request.id, "complete", "ann", rating=5)
    assert done.status == "completed" and not done.refund_due
    ann = desk.figures.expert("ann")
    assert ann.completed_reviews == 11 and ann.current_workload == 0
    assert ann.rating == pytest.approx((4.0 * 10 + 5) / 11, abs=0.01)
    actions = [a.action for a in desk.store.history(request.id)]
    assert actions == ["escalate", "pay", "assign", "start", "wait", "resume", "complete"]
    assert assigned.assigned_expert_name == "Ann"


def test_late_completion_is_owed_and_a_refused_move_writes_nothing(world) -> None:
    desk, clock = world
    request = escalate(desk, "a1", "c")
    act(desk, request.id, "pay", "c")
    act(desk, request.id, "assign", "c", "ann")
    start_session(desk, request.id)
    clock.now = T0 + timedelta(hours=49)
    done = act(desk, request.id, "complete", "ann")
    assert done.refund_due
    before = desk.store.journal.journal_path.read_bytes()
    with pytest.raises(Refused, match=r"^Start session: not while it is completed$"):
        start_session(desk, request.id)
    assert desk.store.journal.journal_path.read_bytes() == before
    assert act(desk, request.id, "refund", "c").status == "refunded"


def test_escalate_to_senior_goes_up_and_remembers_the_lapse(world) -> None:
    desk, _ = world
    request = escalate(desk, "a1", "c")
    act(desk, request.id, "pay", "c")
    act(desk, request.id, "assign", "c", "ann")
    moved = desk.commands.run("c", Intent("senior", "a1", lapsed=True)).request
    assert moved is not None and moved.assigned_expert_id == "bea" and moved.escalated_to_senior
    assert moved.lapsed_expert_ids == ["ann"]
    with pytest.raises(Refused, match="nobody active more senior than Bea"):
        desk.commands.run("c", Intent("senior", "a1"))
    with pytest.raises(Refused, match="Ann already let this request lapse"):
        desk.commands.run("c", Intent("reassign", "a1", expert_id="ann"))


def test_sessions_outcomes_corrections(world) -> None:
    desk, clock = world
    request = escalate(desk, "a1", "c")
    act(desk, request.id, "pay", "c")
    act(desk, request.id, "assign", "c", "ann")
    start_session(desk, request.id)
    assert desk.queries.require_request(request.id).status == "in_review"
    clock.now = T0 + timedelta(minutes=45)
    ann = Actor("ann", "expert", "ann")
    desk.commands.run(ann, desk.commands.intent_for_request(request.id, "correction", values={
        "field": "maker", "original_value": "Unknown English", "corrected_value": "Paul Storr, London",
        "explanation": "PS hallmark with lion passant", "confidence": 0.98}))
    done = record_outcome(desk, request.id, recommendations=["Check hallmarks"], actions_taken=["Authenticated"],
                          knowledge_gained="Storr hallmarks", rating=4)
    outcome, entry = done.of("outcomes")[0], done.of("knowledge")[0]
    assert outcome.time_to_resolution_minutes == 45.0
    stored = desk.queries.require_request(request.id)
    assert stored.status == "completed"
    assert stored.expert_corrections[0].corrected_value == "Paul Storr, London"
    assert desk.store.corrections.all()[0].category == "silver"
    assert desk.queries.knowledge_for("teapot hallmarks")[0].entry.id == entry.id
    text = desk.queries.package("a1")
    assert "## Follow-up" in text and "Authenticated" in text
    report = desk.queries.report(30, T0 + timedelta(days=1))
    assert report["completed"] == 1 and report["corrections_by_field"] == {"maker": 1}


def test_assigning_an_unpaid_appraisal_writes_nothing(world) -> None:
    """`1` on a new appraisal issue used to open the request and then fail: it is refused first."""
    desk, _ = world
    before = desk.store.journal.journal_path.read_bytes()
    with pytest.raises(Refused, match="must be escalated and paid first"):
        desk.commands.assign("a1", "ann", "coordinator")
    assert desk.store.journal.journal_path.read_bytes() == before
    assert desk.queries.request_for("a1") is None
    request = escalate(desk, "a1", "coordinator")
    with pytest.raises(Refused, match="must be paid first"):
        desk.commands.assign("a1", "ann", "coordinator")
    act(desk, request.id, "pay", "coordinator")
    assert desk.commands.assign("a1", "ann", "coordinator").status == "assigned"


def test_cancelling_a_held_request_frees_the_expert_and_ends_the_session(world) -> None:
    desk, _ = world
    request = escalate(desk, "a1", "coordinator")
    act(desk, request.id, "pay", "coordinator")
    act(desk, request.id, "assign", "coordinator", "ann")
    session = start_session(desk, request.id)
    assert desk.figures.expert("ann").current_workload == 1
    act(desk, request.id, "cancel", "coordinator")
    assert desk.figures.expert("ann").current_workload == 0
    assert desk.store.sessions.require(session.id).status == "ended"


def test_reassignment_ends_the_old_experts_session_which_the_new_expert_cannot_drive(world) -> None:
    """The issue's reproduction: after reassigning from Piet to Harriet, Space resumed Piet's session."""
    desk, clock = world
    request = escalate(desk, "a1", "c")
    act(desk, request.id, "pay", "c")
    act(desk, request.id, "assign", "c", "ann")
    session = start_session(desk, request.id)
    clock.now = T0 + timedelta(minutes=20)
    act(desk, request.id, "reassign", "c", "bea")
    old = desk.store.sessions.require(session.id)
    assert old.status == "ended" and old.ended_at == clock.now
    bea = Actor("bea", "expert", "bea")
    with pytest.raises(Refused, match="no running session of yours"):
        desk.commands.run(bea, desk.commands.intent_for_request(request.id, "resume_session"))
    assert desk.queries.running_session(request.id, "bea") is None
    # Ann's ended session still awaits her outcome; recording it does not complete Bea's request
    ann = Actor("ann", "expert", "ann")
    desk.commands.run(ann, desk.commands.intent_for_request(request.id, "outcome", values={
        "resolution_achieved": False, "knowledge_gained": "handed over"}))
    assert desk.queries.require_request(request.id).status == "assigned"
