"""An acknowledgement link is one more door to the action table's `acknowledge`: it answers as the table does (a
waiting, unacknowledged assignment can be acknowledged; an acknowledged one says so), over random histories
(hypothesis). (From the review of issue #20: finding 6.)"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.support.clock import Clock
from tests.support.stores import desk_at
from tests.support.world import outage
from triagedesk.app.ack_door import ACK_LINK
from triagedesk.app.commands import Refused
from triagedesk.app.dispatching import Dispatching
from triagedesk.domain.errors import UserError
from triagedesk.domain.instants import stamp as _stamp
from triagedesk.domain.requests.actions import Actor
from triagedesk.domain.requests.plan import Intent, Plan

COORDINATOR = Actor("coord")
MOVES = ("assign", "acknowledge", "wait", "resume", "start", "reassign", "unassign", "cancel", "escalate")


def test_a_waiting_unacknowledged_assignment_is_acknowledged_by_its_link(tmp_path: Path) -> None:
    clock = Clock()
    desk = desk_at(tmp_path, None, [outage("INC-1")], clock)
    try:
        desk.commands.escalate("INC-1", COORDINATOR)
        request = desk.commands.assign("INC-1", "net-ana", COORDINATOR)
        request = desk.commands.act(request.id, "wait", COORDINATOR)
        assert request.status == "waiting" and request.acknowledged_at is None
        link = _stamp(request.assigned_at)  # type: ignore[arg-type]
        table = desk.commands.preview(ACK_LINK, Intent("acknowledge", "INC-1", request.id))
        d = Dispatching(desk)
        _request, _issue, why = d.ack_state(request.id, link)
        assert isinstance(table, Plan) and why is None
        clock.advance(minutes=5)
        done = d.acknowledge(request.id, link, clock())
        assert done.acknowledged_at == clock() and done.status == "waiting"
        _request, _issue, why = d.ack_state(request.id, link)
        assert why == "this assignment is already acknowledged"
        with pytest.raises(UserError, match="already acknowledged"):
            d.acknowledge(request.id, link, clock())
    finally:
        desk.close()


def _move(desk, issue_id: str, move: str) -> None:
    request = desk.queries.request_for(issue_id)
    holder = request.assigned_expert_id if request is not None else None
    expert = Actor(holder or "x", "expert", holder)
    intent, actor = {
        "assign": (desk.commands.giving(issue_id, "net-ana"), COORDINATOR),
        "reassign": (Intent("reassign", issue_id), COORDINATOR),
        "acknowledge": (Intent("acknowledge", issue_id), expert),
        "start": (Intent("start", issue_id), expert),
    }.get(move, (Intent(move, issue_id), COORDINATOR))
    with contextlib.suppress(Refused):
        desk.commands.run(actor, intent)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(moves=st.lists(st.tuples(st.sampled_from(MOVES), st.integers(0, 90)), min_size=1, max_size=7))
def test_the_link_and_the_table_agree_over_random_histories(moves: list[tuple[str, int]]) -> None:
    with tempfile.TemporaryDirectory() as name:
        clock = Clock()
        desk = desk_at(Path(name), None, [outage("INC-1")], clock)
        try:
            desk.commands.escalate("INC-1", COORDINATOR)
            desk.commands.assign("INC-1", "net-ana", COORDINATOR)
            for move, minutes in moves:
                clock.advance(minutes=minutes)
                _move(desk, "INC-1", move)
            request = desk.queries.request_for("INC-1")
            assert request is not None
            if request.assigned_at is None:  # unassigned, or a new request opened: no link of it to follow
                event("no assignment")
                return
            table = desk.commands.preview(ACK_LINK, Intent("acknowledge", "INC-1", request.id))
            _request, _issue, why = Dispatching(desk).ack_state(request.id, _stamp(request.assigned_at))
            event(f"{request.status}, acknowledged {request.acknowledged_at is not None}: {why or 'link works'}")
            assert (why is None) == isinstance(table, Plan), (request.status, why, table)
            if "already acknowledged" in (why or ""):  # never said of an unacknowledged assignment
                assert request.acknowledged_at is not None or request.started_at is not None, why
        finally:
            desk.close()
