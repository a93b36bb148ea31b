"""Rules the action table keeps at every door: a lapse is remembered whoever moves the request on, completing ends the
running session, time never runs backwards, a free request is never refunded, a corrected value is a value of its
field. (From the review of issue #20: findings 5, 7, 12, 16 and 19.)"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.support.clock import T0, Clock
from tests.support.flows import session_move, start_session
from tests.support.stores import desk_at
from tests.support.world import outage
from triagedesk.app.commands import Refused
from triagedesk.app.dispatching import Dispatching
from triagedesk.domain.requests.actions import Actor
from triagedesk.domain.requests.plan import Intent
from triagedesk.domain.requests.states import SESSION_RUNNING

COORDINATOR = Actor("coord")
ANA = Actor("ana", "expert", "net-ana")


def _no_ack_url(_request: object) -> None:
    return None


def test_a_manual_reassign_after_a_missed_ack_remembers_the_lapse(tmp_path: Path) -> None:
    clock = Clock()
    desk = desk_at(tmp_path, None, [outage("INC-1")], clock)
    try:
        desk.commands.escalate("INC-1", COORDINATOR)
        request = desk.commands.assign("INC-1", "net-ana", COORDINATOR)
        clock.advance(minutes=45)  # Ana's 30-minute acknowledge target is breached, as Timers say
        shown = {c.target: c.state for c in desk.queries.clocks_of(desk.queries.require_request(request.id)).clocks}
        assert shown["acknowledge"] == "breached"
        planned = desk.commands.run(COORDINATOR, Intent("reassign", "INC-1", request.id))
        request = planned.request  # type: ignore[assignment]
        assert request is not None and request.assigned_expert_id == "net-kenji"
        assert request.lapsed_expert_ids == ["net-ana"]
        assert any("let the acknowledgement lapse" in line for line in planned.detail), planned.detail
        with pytest.raises(Refused, match="already let this request lapse"):  # never given back by hand either
            desk.commands.assign("INC-1", "net-ana", COORDINATOR)
        d = Dispatching(desk)
        assert request.ack_due_at is not None
        taken = d.walk(request.id, request.ack_due_at + timedelta(minutes=1), _no_ack_url, [])
        assert taken and taken[0].step.kind == "ack_reassign"
        after = d.request(request.id)
        assert after is not None
        assert after.assigned_expert_id != "net-ana", "given back to the expert who let it lapse"
    finally:
        desk.close()


def test_a_reassign_before_the_ack_target_is_no_lapse(tmp_path: Path) -> None:
    clock = Clock()
    desk = desk_at(tmp_path, None, [outage("INC-1")], clock)
    try:
        desk.commands.escalate("INC-1", COORDINATOR)
        request = desk.commands.assign("INC-1", "net-ana", COORDINATOR)
        clock.advance(minutes=10)  # still inside Ana's 30 minutes
        after = desk.commands.run(COORDINATOR, Intent("reassign", "INC-1", request.id)).request
        assert after is not None and after.lapsed_expert_ids == []
    finally:
        desk.close()


@pytest.mark.parametrize("who", ["coordinator", "expert"])
def test_completing_a_request_ends_its_running_session(tmp_path: Path, who: str) -> None:
    clock = Clock()
    desk = desk_at(tmp_path, None, [outage("INC-1")], clock)
    try:
        desk.commands.escalate("INC-1", COORDINATOR)
        request = desk.commands.assign("INC-1", "net-ana", COORDINATOR)
        session = start_session(desk, request.id)
        clock.advance(minutes=20)
        actor = COORDINATOR if who == "coordinator" else ANA
        planned = desk.commands.preview(actor, desk.commands.intent_for_request(request.id, "complete"))
        assert "its running session ends" in getattr(planned, "detail", ()), planned
        done = desk.commands.act(request.id, "complete", actor)
        assert done.status == "completed"
        running = [s.id for s in desk.queries.sessions_of(request.id) if s.status in SESSION_RUNNING]
        assert running == [], "a completed request still has a running session"
        assert desk.queries.running_sessions() == []
        ended = desk.store.sessions.get(session.id)
        assert ended is not None and ended.ended_at == clock() and ended.status == "ended"
        notes = [e.note for e in desk.store.audit_log.by("target_id", session.id) if e.action == "session_end"]
        assert notes == ["completed"]
    finally:
        desk.close()


def test_a_session_cannot_end_before_it_started(tmp_path: Path) -> None:
    clock = Clock()
    desk = desk_at(tmp_path, None, [outage("INC-1")], clock)
    try:
        desk.commands.escalate("INC-1", COORDINATOR)
        clock.advance(hours=2)
        request = desk.commands.assign("INC-1", "net-ana", COORDINATOR)
        session = start_session(desk, request.id)
        clock.set(T0 + timedelta(minutes=30))  # after submission, before the assignment and the session's start
        before = desk.store.journal.journal_path.read_bytes()
        with pytest.raises(Refused, match=r"^End session: the clock reads 2026-01-05 09:30 UTC, before the "):
            session_move(desk, request.id, "end")
        with pytest.raises(Refused, match="before the"):
            desk.commands.act(request.id, "complete", ANA)
        assert desk.store.journal.journal_path.read_bytes() == before  # nothing written
        stored = desk.store.sessions.get(session.id)
        assert stored is not None and stored.status == "active"
        clock.set(T0 + timedelta(hours=3))  # time moves on again: the session ends
        assert session_move(desk, request.id, "end").status == "ended"
    finally:
        desk.close()


def test_a_free_request_cannot_be_refunded(tmp_path: Path) -> None:
    clock = Clock()
    desk = desk_at(tmp_path, None, [outage("INC-1")], clock)
    try:
        desk.commands.escalate("INC-1", COORDINATOR)
        request = desk.commands.assign("INC-1", "net-ana", COORDINATOR)
        start_session(desk, request.id)
        clock.advance(hours=30)  # late: still nothing was paid, so nothing is owed
        done = desk.commands.act(request.id, "complete", ANA)
        assert done.status == "completed" and done.price == 0.0 and not done.refund_due
        with pytest.raises(Refused, match="^Refund: the request was free: there is nothing to refund$"):
            desk.commands.act(request.id, "refund", COORDINATOR)
        assert desk.queries.require_request(request.id).status == "completed"
    finally:
        desk.close()


@pytest.mark.parametrize("field, value, why", [
    ("urgency", "banana", "is not an urgency"), ("expert_time", "abc", "is not a number"),
    ("expert_time", "-30", "is below zero"), ("expert_type", "knitting", "is not an expert type of infrastructure"),
])
def test_a_corrected_value_must_be_a_value_of_its_field(tmp_path: Path, field: str, value: str, why: str) -> None:
    desk = desk_at(tmp_path, None, [outage("INC-1")], Clock())
    try:
        desk.commands.escalate("INC-1", COORDINATOR)
        request = desk.commands.assign("INC-1", "net-ana", COORDINATOR)
        intent = desk.commands.intent_for_request(request.id, "correction",
                                                  values={"field": field, "corrected_value": value})
        with pytest.raises(Refused, match=why) as refused:
            desk.commands.run(ANA, intent)
        assert "\n" not in str(refused.value)
        assert desk.store.corrections.all() == []
    finally:
        desk.close()


@pytest.mark.parametrize("field, value, stored", [
    ("urgency", "High", "high"), ("expert_time", "90", 90), ("expert_type", "security_engineering",
                                                             "security_engineering"),
    ("affected_systems", "db-1, db-2", ["db-1", "db-2"]), ("root_cause", "a failed disk", "a failed disk"),
])
def test_a_valid_corrected_value_is_stored_as_a_value_of_its_field(tmp_path: Path, field: str, value: str,
                                                                   stored: object) -> None:
    desk = desk_at(tmp_path, None, [outage("INC-1")], Clock())
    try:
        desk.commands.escalate("INC-1", COORDINATOR)
        request = desk.commands.assign("INC-1", "net-ana", COORDINATOR)
        intent = desk.commands.intent_for_request(request.id, "correction", values={
            "field": field, "corrected_value": value, "original_value": "what the assessment said"})
        desk.commands.run(ANA, intent)
        assert [c.corrected_value for c in desk.store.corrections.all()] == [stored]
    finally:
        desk.close()
