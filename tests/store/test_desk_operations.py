"""The desk's operations on a real store: lifecycle with due times, workload, refunds, sessions, corrections."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from triagedesk.app.desk import Desk
from triagedesk.domain.models import Expert, Issue
from triagedesk.domain.requests.lifecycle import LifecycleError
from triagedesk.store.database import open_store

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def desk(tmp_path: Path) -> tuple[Desk, Clock]:
    store = open_store(tmp_path / "desk.json")
    store.experts.put_many([
        Expert(id="ann", name="Ann", specializations=["silver"], rating=4.0, completed_reviews=10,
               average_turnaround=20),
        Expert(id="bea", name="Bea", specializations=["silver"], expertise_level="expert"),
    ])
    store.issues.add(Issue(id="a1", profile="appraisal", title="Teapot", category="silver",
                           estimated_value={"min": 50000, "max": 80000}, confidence=0.9))
    clock = Clock()
    return Desk(store, clock=clock), clock


def test_full_lifecycle(desk) -> None:
    operations, clock = desk
    request = operations.escalate("a1", "coordinator")
    assert (request.status, request.tier_id, request.price) == ("pending_payment", "full-authentication", 150)
    assert request.due_at == T0 + timedelta(hours=48)
    operations.act(request.id, "pay", "coordinator")
    clock.now = T0 + timedelta(hours=1)
    assigned = operations.act(request.id, "assign", "coordinator", "ann")
    assert operations.expert("ann").current_workload == 1
    clock.now = T0 + timedelta(hours=2)
    operations.act(request.id, "start", "ann")
    operations.act(request.id, "wait", "ann")
    clock.now = T0 + timedelta(hours=12)  # ten hours waiting for the requester
    resumed = operations.act(request.id, "resume", "ann")
    assert resumed.status == "in_review" and resumed.paused_minutes == 600
    assert resumed.due_at == T0 + timedelta(hours=58)  # the wait does not count
    clock.now = T0 + timedelta(hours=57)
    done = operations.act(request.id, "complete", "ann", rating=5)
    assert done.status == "completed" and not done.refund_due
    ann = operations.expert("ann")
    assert ann.completed_reviews == 11 and ann.current_workload == 0
    assert ann.rating == pytest.approx((4.0 * 10 + 5) / 11, abs=0.01)
    actions = [a.action for a in operations.store.history(request.id)]
    assert actions == ["escalate", "pay", "assign", "start", "wait", "resume", "complete"]
    assert assigned.assigned_expert_name == "Ann"


def test_late_completion_is_flagged_and_illegal_moves_write_nothing(desk) -> None:
    operations, clock = desk
    request = operations.escalate("a1", "c")
    operations.act(request.id, "pay", "c")
    operations.act(request.id, "assign", "c", "ann")
    operations.act(request.id, "start", "ann")
    clock.now = T0 + timedelta(hours=49)
    done = operations.act(request.id, "complete", "ann")
    assert done.refund_due
    before = operations.store.requests.require(request.id)
    with pytest.raises(LifecycleError, match="cannot start"):
        operations.act(request.id, "start", "ann")
    assert operations.store.requests.require(request.id) == before
    assert operations.act(request.id, "refund", "c").status == "refunded"


def test_escalate_to_senior(desk) -> None:
    operations, _ = desk
    request = operations.escalate("a1", "c")
    operations.act(request.id, "pay", "c")
    operations.act(request.id, "assign", "c", "ann")
    moved = operations.escalate_to_senior(request.id, "c")
    assert moved.assigned_expert_id == "bea" and moved.escalated_to_senior


def test_sessions_outcomes_corrections(desk) -> None:
    operations, clock = desk
    request = operations.escalate("a1", "c")
    operations.act(request.id, "pay", "c")
    operations.act(request.id, "assign", "c", "ann")
    session = operations.start_session(request.id, "ann")
    assert operations.store.requests.require(request.id).status == "in_review"
    clock.now = T0 + timedelta(minutes=45)
    operations.record_correction(request.id, "ann", "maker", "Unknown English", "Paul Storr, London",
                                 "PS hallmark with lion passant", 0.98)
    outcome, entry = operations.record_outcome(session.id, "ann", True, ["Check hallmarks"], ["Authenticated"],
                                               "Storr hallmarks", rating=4)
    assert outcome.time_to_resolution_minutes == 45.0
    stored = operations.store.requests.require(request.id)
    assert stored.status == "completed"
    assert stored.expert_corrections[0].corrected_value == "Paul Storr, London"
    assert operations.store.corrections.all()[0].category == "silver"
    assert operations.knowledge_for("teapot hallmarks")[0].entry.id == entry.id
    text = operations.package("a1")
    assert "## Follow-up" in text and "Authenticated" in text
    report = operations.report(30, T0 + timedelta(days=1))
    assert report["completed"] == 1 and report["corrections_by_field"] == {"maker": 1}


def test_assigning_an_unpaid_appraisal_writes_nothing(desk) -> None:
    """`1` on a new appraisal issue used to open the request and then fail: now it is refused first."""
    from triagedesk.domain.requests.workflow import AwaitsPayment

    operations, _ = desk
    before = operations.store.journal.journal_path.read_bytes()
    with pytest.raises(AwaitsPayment):
        operations.assign_issue("a1", "ann", "coordinator")
    assert operations.store.journal.journal_path.read_bytes() == before
    assert operations.request_for("a1") is None
    request = operations.escalate("a1", "coordinator")
    with pytest.raises(AwaitsPayment):
        operations.assign_issue("a1", "ann", "coordinator")
    operations.act(request.id, "pay", "coordinator")
    assert operations.assign_issue("a1", "ann", "coordinator").status == "assigned"


def test_cancelling_a_held_request_frees_the_expert(desk) -> None:
    operations, _ = desk
    request = operations.escalate("a1", "coordinator")
    operations.act(request.id, "pay", "coordinator")
    operations.act(request.id, "assign", "coordinator", "ann")
    assert operations.expert("ann").current_workload == 1
    operations.act(request.id, "cancel", "coordinator")
    assert operations.expert("ann").current_workload == 0
