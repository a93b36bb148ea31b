"""The dispatcher's walk over one request: every due step in order, an auto-assignment that finds nobody does not
block the steps after it (a coordinator is told once), a breach makes the at-risk notice moot, and `policy explain`
shows the plan as the pass leaves it. (From the review of issue #20: findings 1, 11 and 17.)"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.support.clock import T0, Clock
from tests.support.stores import desk_at
from tests.support.world import network, outage
from triagedesk.app.dispatching import Dispatching
from triagedesk.domain.requests.actions import Actor

COORDINATOR = Actor("coord")


def _no_ack_url(_request: object) -> None:
    return None


def test_an_auto_assign_that_finds_nobody_never_blocks_the_breach_and_a_coordinator_is_told_once(
        tmp_path: Path) -> None:
    # nobody in the network works network_architecture: only the security experts are on the desk
    experts = [e for e in network() if e.id.startswith("sec-")]
    assert experts
    desk = desk_at(tmp_path, experts, [outage("INC-1")], Clock())
    try:
        request = desk.commands.escalate("INC-1", COORDINATOR)
        assert request.status == "pending_assignment" and request.urgency == "critical"
        assert request.due_at is not None
        d = Dispatching(desk, coordinator_contact="json://localhost/coordinators")
        history: list = []
        first = d.walk(request.id, T0, _no_ack_url, history)
        assert [(r.step.kind, r.action) for r in first] == [("auto_assign", "none")]  # nobody: tried again later
        told = [m for m in desk.store.outbox.all() if m.request_id == request.id and m.kind == "coordinator"]
        assert len(told) == 1 and "nobody can be assigned" in told[0].body
        d.walk(request.id, T0 + timedelta(minutes=5), _no_ack_url, history)  # a second pass: not told again
        late = request.due_at + timedelta(hours=24)  # a day past the resolve target
        taken = d.walk(request.id, late, _no_ack_url, history)
        assert [r.step.kind for r in taken] == ["auto_assign", "breach_senior"]
        actions = [e.action for e in desk.store.audit_log.by("target_id", request.id)]
        assert "policy:breach_senior" in actions and "policy:auto_assign" not in actions  # still due, not taken
        told = [m for m in desk.store.outbox.all() if m.request_id == request.id and m.kind == "coordinator"]
        assert len(told) == 2, [m.body for m in told]  # nobody to assign (once), then the breach nobody can take
        assert any("breach" in m.event for m in told)
    finally:
        desk.close()


def test_policy_explain_later_is_the_plan_the_pass_leaves(tmp_path: Path) -> None:
    desk = desk_at(tmp_path, None, [outage("INC-1")], Clock())
    try:
        request = desk.commands.escalate("INC-1", COORDINATOR)
        d = Dispatching(desk)
        history = d.step_history().get(request.id, [])
        walked = d.walk(request.id, T0, _no_ack_url, list(history), write=False)
        assert [r.action for r in walked] == ["assign"]
        assert desk.queries.require_request(request.id).status == "pending_assignment"  # nothing written
        # what `policy explain` prints as "later" (dispatch_cmds.explain)
        later = {s.kind for s in d.plan_for(request, history, T0) if s.due > T0}
        real: list = []
        d.walk(request.id, T0, _no_ack_url, real)
        after = d.request(request.id)
        assert after is not None and after.status == "assigned"
        then = {s.kind for s in d.plan_for(after, real, T0) if s.due > T0}
        assert later == then == {"ack_reassign", "at_risk_notice", "breach_senior"}, (sorted(later), sorted(then))
    finally:
        desk.close()


def test_a_breach_makes_the_late_at_risk_notice_moot_within_the_walk(tmp_path: Path) -> None:
    desk = desk_at(tmp_path, None, [outage("INC-1")], Clock())
    try:
        desk.commands.escalate("INC-1", COORDINATOR)
        request = desk.commands.assign("INC-1", "net-ana", COORDINATOR)
        desk.commands.act(request.id, "acknowledge", COORDINATOR)
        assert request.due_at is not None
        d = Dispatching(desk, coordinator_contact="json://localhost/coordinators")
        late = request.due_at + timedelta(hours=1)  # the dispatcher was down through at-risk and due
        explained = [r.step.kind for r in d.walk(request.id, late, _no_ack_url, [], write=False)]
        taken = [r.step.kind for r in d.walk(request.id, late, _no_ack_url, [])]
        assert explained == taken  # explain shows what the pass takes
        assert "breach_senior" in taken
        assert "at_risk_notice" not in taken, taken
        assert not [m for m in desk.store.outbox.all() if m.kind == "at_risk"]
    finally:
        desk.close()
