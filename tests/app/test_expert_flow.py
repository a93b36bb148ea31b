"""The expert's flow through the Desk: acknowledge apart from a session, an outcome after the session ended,
the final report on completion, and sessions held the way the issue's domain holds them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.support.clock import T0, Clock
from tests.support.flows import act, escalate, record_outcome, session_move, start_session
from triagedesk.app.desk import Desk
from triagedesk.domain.errors import UserError
from triagedesk.domain.models import Expert, Issue
from triagedesk.store.database import open_store


@pytest.fixture
def desk(tmp_path: Path) -> tuple[Desk, Clock]:
    store = open_store(tmp_path / "desk.json")
    store.experts.put_many([
        Expert(id="ann", name="Ann", specializations=["silver"]),
        Expert(id="ola", name="Ola", specializations=["network_architecture"], escalation_methods=["phone", "slack"]),
    ])
    store.issues.put_many([
        Issue(id="a1", profile="appraisal", title="Teapot", category="silver",
              estimated_value={"min": 50000, "max": 80000}, confidence=0.9),
        Issue(id="i1", profile="infrastructure", title="DNS down", description="outage", users_affected=500),
    ])
    clock = Clock()
    return Desk(store, clock=clock), clock


def assigned(desk: Desk, issue_id: str, expert_id: str) -> str:
    request = escalate(desk, issue_id, "cora")
    if request.status == "pending_payment":
        act(desk, request.id, "pay", "cora")
    return act(desk, request.id, "assign", "cora", expert_id).id


def test_acknowledge_is_its_own_step(desk) -> None:
    operations, clock = desk
    request_id = assigned(operations, "i1", "ola")
    clock.now = T0 + timedelta(minutes=7)
    acked = act(operations, request_id, "acknowledge", "ola")
    assert (acked.status, acked.acknowledged_at, acked.started_at) == ("assigned", clock.now, None)
    assert operations.queries.running_session(request_id) is None
    with pytest.raises(UserError, match="^Acknowledge: already acknowledged$"):
        act(operations, request_id, "acknowledge", "ola")


def test_outcome_after_the_session_ended_completes_with_the_final_report(desk) -> None:
    operations, clock = desk
    request_id = assigned(operations, "a1", "ann")
    session = start_session(operations, request_id, "ann")
    clock.now = T0 + timedelta(minutes=40)
    session_move(operations, request_id, "end")
    waiting = operations.queries.awaiting_outcome(request_id, "ann")
    assert waiting is not None and waiting.id == session.id
    record_outcome(operations, request_id, "ann", recommendations=["insure it"], actions_taken=["checked hallmarks"],
                   knowledge_gained="lion passant", rating=5, final_report="Georgian, 1790s; insure for $800.")
    request = operations.queries.require_request(request_id)
    assert (request.status, request.final_report) == ("completed", "Georgian, 1790s; insure for $800.")
    assert operations.queries.awaiting_outcome(request_id) is None
    with pytest.raises(UserError, match="^Outcome: no session of yours without an outcome"):
        record_outcome(operations, request_id, "ann")


def test_appraisal_sessions_fit_appraisal(desk) -> None:
    operations, _ = desk
    session = start_session(operations, assigned(operations, "a1", "ann"), "ann")
    assert session.channel == "item_review"
    assert "infrastructure_agent" not in session.participants and "item_owner" in session.participants


def test_infrastructure_sessions_use_the_experts_fitting_method(desk) -> None:
    operations, _ = desk
    session = start_session(operations, assigned(operations, "i1", "ola"), "ola")
    assert session.channel == "phone"
    assert session.participants == ["expert", "requesting_engineer", "infrastructure_agent"]
